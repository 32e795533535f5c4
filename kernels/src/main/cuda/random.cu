// Philox4x32-10 draws, bit-identical to dev.stride.random.Philox and CpuBackend.random: element i of a draw at
// `offset` uses word i%4 of counter (i/4, offset) under key `seed`; one thread per counter, so nothing depends on
// the launch grid. Rounding-explicit intrinsics keep nvcc from contracting a + (b - a) * u into an FMA, which Java
// does not do.
__device__ __forceinline__ void philox10(unsigned c[4], unsigned k0, unsigned k1) {
    #pragma unroll
    for (int r = 0; r < 10; r++) {
        unsigned hi0 = __umulhi(0xD2511F53u, c[0]);
        unsigned lo0 = 0xD2511F53u * c[0];
        unsigned hi1 = __umulhi(0xCD9E8D57u, c[2]);
        unsigned lo1 = 0xCD9E8D57u * c[2];
        unsigned n0 = hi1 ^ c[1] ^ k0;
        unsigned n2 = hi0 ^ c[3] ^ k1;
        c[0] = n0;
        c[1] = lo1;
        c[2] = n2;
        c[3] = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

__device__ __forceinline__ void philox_words(unsigned long long seed, unsigned long long offset,
                                             unsigned long long counter, unsigned c[4]) {
    c[0] = (unsigned) counter;
    c[1] = (unsigned) (counter >> 32);
    c[2] = (unsigned) offset;
    c[3] = (unsigned) (offset >> 32);
    philox10(c, (unsigned) seed, (unsigned) (seed >> 32));
}

// Uniform on [a, b) from the top 24 bits of each word.
extern "C" __global__ void random_uniform(float* __restrict__ out, long long n, unsigned long long seed,
                                          unsigned long long offset, float a, float b) {
    long long counters = (n + 3) / 4;
    float span = __fsub_rn(b, a);
    for (long long c = (long long) blockIdx.x * blockDim.x + threadIdx.x; c < counters; c += (long long) blockDim.x * gridDim.x) {
        unsigned w[4];
        philox_words(seed, offset, (unsigned long long) c, w);
        #pragma unroll
        for (int j = 0; j < 4; j++) {
            long long i = c * 4 + j;
            if (i < n) out[i] = __fadd_rn(a, __fmul_rn(span, (float) (w[j] >> 8) * 0x1p-24f));
        }
    }
}

// Dropout's keep mask: `scale` where the word, unsigned, is >= threshold (floor(p * 2^32)), else 0.
extern "C" __global__ void random_keep_mask(float* __restrict__ out, long long n, unsigned long long seed,
                                            unsigned long long offset, unsigned long long threshold, float scale) {
    long long counters = (n + 3) / 4;
    for (long long c = (long long) blockIdx.x * blockDim.x + threadIdx.x; c < counters; c += (long long) blockDim.x * gridDim.x) {
        unsigned w[4];
        philox_words(seed, offset, (unsigned long long) c, w);
        #pragma unroll
        for (int j = 0; j < 4; j++) {
            long long i = c * 4 + j;
            if (i < n) out[i] = (unsigned long long) w[j] >= threshold ? scale : 0.0f;
        }
    }
}

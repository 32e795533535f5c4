// Philox dropout, the CUDA twin of CpuBackend.dropout: element i is kept when word i%4 of counter
// (i/4, offset) under key seed is >= threshold = floor(p * 2^32), and scaled by 1/(1-p).
// One thread per counter, so the mask never depends on the launch grid.

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

extern "C" __global__ void dropout_fixture(const float* __restrict__ x, float* __restrict__ out, int n,
                                           unsigned long long seed, unsigned long long offset,
                                           unsigned threshold, float scale) {
    unsigned long long counter = (unsigned long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long base = (long long) counter * 4;
    if (base >= n) return;
    unsigned c[4] = {(unsigned) counter, (unsigned) (counter >> 32), (unsigned) offset, (unsigned) (offset >> 32)};
    philox10(c, (unsigned) seed, (unsigned) (seed >> 32));
    for (int j = 0; j < 4; j++) {
        long long i = base + j;
        if (i < n) out[i] = c[j] >= threshold ? x[i] * scale : 0.0f;
    }
}

// A plain strided copy: out[i] = in[i * stride]. With stride 1 every warp reads whole 32-byte sectors;
// with a large stride each thread touches its own sector, which the traffic counters must show.
extern "C" __global__ void copy_strided(const float* __restrict__ in, float* __restrict__ out, int n, int stride) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = in[(long long) i * stride];
}

// Block sum through shared memory and barriers (blockDim.x a power of two, at most 256).
extern "C" __global__ void block_sum(const float* __restrict__ in, float* __restrict__ out) {
    __shared__ float buf[256];
    int t = threadIdx.x;
    buf[t] = in[blockIdx.x * blockDim.x + t];
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) buf[t] += buf[t + s];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = buf[0];
}

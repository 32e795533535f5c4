// Philox4x32-10 draws, bit-identical to dev.stride.random.Philox and CpuBackend.random: element i of a draw at
// `offset` uses word i%4 of counter (i/4, offset) under key `seed`; one thread per counter, so nothing depends on
// the launch grid. Rounding-explicit intrinsics keep nvcc from contracting a + (b - a) * u into an FMA, which Java
// does not do.
#include "philox.cuh"

// mode 0: uniform on [a, b) from the top 24 bits of each word. mode 1: dropout's keep mask, a where the word,
// unsigned, is >= threshold (floor(p * 2^32)), else 0.
extern "C" __global__ void random_draw(int mode, float* __restrict__ out, long long n, unsigned long long seed,
                                       unsigned long long offset, float a, float b, unsigned long long threshold) {
    long long counters = (n + 3) / 4;
    float span = __fsub_rn(b, a);
    for (long long c = (long long) blockIdx.x * blockDim.x + threadIdx.x; c < counters; c += (long long) blockDim.x * gridDim.x) {
        unsigned w[4];
        philox_words(seed, offset, (unsigned long long) c, w);
        #pragma unroll
        for (int j = 0; j < 4; j++) {
            long long i = c * 4 + j;
            if (i >= n) continue;
            out[i] = mode == 0 ? __fadd_rn(a, __fmul_rn(span, (float) (w[j] >> 8) * 0x1p-24f))
                               : (unsigned long long) w[j] >= threshold ? a : 0.0f;
        }
    }
}

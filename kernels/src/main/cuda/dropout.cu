// Inverted dropout, the twin of CpuBackend.dropout: out[i] = x[i] * (scale if word i >= threshold else 0), with
// word i the Philox word of element i (counter i/4, lane i%4) exactly as dev.stride.random.Philox draws it. One
// thread per counter: one Philox call per 4 elements, a float4 load and store when x is a contiguous, 16-byte
// aligned run (vec4), else four strided reads. The backward pass is the same kernel on dy: the mask is regenerated,
// never stored (8 bytes per element moved, against 8.25 for a bit-packed mask written forward and read back).
#include "stride.cuh"
#include "philox.cuh"

extern "C" __global__ void dropout(Walk w, const float* __restrict__ x, float* __restrict__ out,
                                   unsigned long long seed, unsigned long long offset, unsigned long long threshold,
                                   float scale, int vec4) {
    long long n = w.numel;
    long long counters = (n + 3) / 4;
    for (long long c = (long long) blockIdx.x * blockDim.x + threadIdx.x; c < counters; c += (long long) blockDim.x * gridDim.x) {
        unsigned r[4];
        philox_words(seed, offset, (unsigned long long) c, r);
        float k0 = (unsigned long long) r[0] >= threshold ? scale : 0.0f;
        float k1 = (unsigned long long) r[1] >= threshold ? scale : 0.0f;
        float k2 = (unsigned long long) r[2] >= threshold ? scale : 0.0f;
        float k3 = (unsigned long long) r[3] >= threshold ? scale : 0.0f;
        long long i = c * 4;
        if (vec4 && i + 3 < n) {
            float4 v = reinterpret_cast<const float4*>(x + w.offA)[c];
            reinterpret_cast<float4*>(out)[c] = make_float4(__fmul_rn(v.x, k0), __fmul_rn(v.y, k1), __fmul_rn(v.z, k2), __fmul_rn(v.w, k3));
        } else {
            float k[4] = {k0, k1, k2, k3};
            #pragma unroll
            for (int j = 0; j < 4; j++) {
                if (i + j < n) {
                    long long oa, ob;
                    walk_offsets(w, i + j, oa, ob);
                    out[i + j] = __fmul_rn(x[oa], k[j]);
                }
            }
        }
    }
}

// Reductions over any set of axes; the twin of CpuReduce.reduce. Op codes are dev.stride.backend.ReduceOp ordinals:
// 0 SUM, 1 MAX, 2 MIN, 3 ARGMAX. One block per output element (grid-stride over outputs); its threads fold a
// strided share of the reduced elements, then combine through shared memory. Sums accumulate in float in a tree,
// so they differ from the CPU's double sums by rounding only.
#include "stride.cuh"

#define REDUCE_THREADS 256

// Operand a walks the kept dimensions (one position per output), operand b the reduced ones: `out` has a.numel
// elements and each reduces b.numel inputs. The two walks share one descriptor layout.
struct ReduceWalk {
    Walk kept;
    Walk reduced;
};

__device__ __forceinline__ bool argmax_better(float v, int i, float bv, int bi) {
    bool n = v != v;
    bool bn = bv != bv;
    if (n || bn) return n && (!bn || i < bi);
    return v > bv || (v == bv && i < bi);
}

extern "C" __global__ void reduce(ReduceWalk w, int op, const float* __restrict__ x, void* out) {
    __shared__ float vals[REDUCE_THREADS];
    __shared__ int idxs[REDUCE_THREADS];
    long long inner = w.reduced.numel;
    int t = threadIdx.x;
    for (long long o = blockIdx.x; o < w.kept.numel; o += gridDim.x) {
        long long base, unused;
        walk_offsets(w.kept, o, base, unused);
        float acc = op == 0 ? 0.0f : op == 2 ? __int_as_float(0x7f800000) : __int_as_float(0xff800000);
        int best = 0x7fffffff;
        for (long long r = t; r < inner; r += blockDim.x) {
            long long off, unused2;
            walk_offsets(w.reduced, r, off, unused2);
            float v = x[base + off];
            if (op == 0) {
                acc += v;
            } else if (op == 3) {
                if (argmax_better(v, (int) r, acc, best)) { acc = v; best = (int) r; }
            } else if (v != v || acc != acc) {
                acc = __int_as_float(0x7fc00000);
            } else {
                acc = op == 1 ? fmaxf(acc, v) : fminf(acc, v);
            }
        }
        vals[t] = acc;
        idxs[t] = best;
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (t < s) {
                float a = vals[t];
                float b = vals[t + s];
                if (op == 0) {
                    vals[t] = a + b;
                } else if (op == 3) {
                    if (argmax_better(b, idxs[t + s], a, idxs[t])) { vals[t] = b; idxs[t] = idxs[t + s]; }
                } else if (a != a || b != b) {
                    vals[t] = __int_as_float(0x7fc00000);
                } else {
                    vals[t] = op == 1 ? fmaxf(a, b) : fminf(a, b);
                }
            }
            __syncthreads();
        }
        if (t == 0) {
            if (op == 3) ((int*) out)[o] = inner == 0 ? 0 : idxs[0];
            else ((float*) out)[o] = vals[0];
        }
        __syncthreads();
    }
}

// Shared by every kernel family: the strided-walk descriptor and grid-stride loops. Included, never compiled alone.
#pragma once

#define STRIDE_MAX_RANK 8

// A walk over `numel` elements in row-major order of `shape`: element i reads operand a at offA + sum(idx_d * a[d])
// and operand b at offB + sum(idx_d * b[d]) (stride 0 broadcasts). Java's dev.stride.cuda.Walk packs it with the
// same layout (192 bytes); dimensions past `rank` are ignored.
struct Walk {
    int rank;
    int shape[STRIDE_MAX_RANK];
    long long a[STRIDE_MAX_RANK];
    long long b[STRIDE_MAX_RANK];
    long long offA;
    long long offB;
    long long numel;
};

// Offsets of element i in both operands. Unrolled over the fixed maximum rank so every descriptor field is read at
// a constant offset (no local-memory copy of the descriptor).
__device__ __forceinline__ void walk_offsets(const Walk& w, long long i, long long& oa, long long& ob) {
    oa = w.offA;
    ob = w.offB;
    if (w.rank <= 1) {  // most walks, once merged: no index arithmetic beyond one multiply-add
        oa += i * w.a[0];
        ob += i * w.b[0];
        return;
    }
    #pragma unroll
    for (int d = STRIDE_MAX_RANK - 1; d >= 0; d--) {
        if (d < w.rank) {
            long long n = w.shape[d];
            long long q = i / n;
            long long r = i - q * n;
            oa += r * w.a[d];
            ob += r * w.b[d];
            i = q;
        }
    }
}

#define GRID_STRIDE(i, n) \
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long) blockDim.x * gridDim.x)

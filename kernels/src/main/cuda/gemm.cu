// Batched SGEMM with transpose flags: for each batch entry z, C = alpha * op(A) * op(B) + beta * C, row-major, the
// twin of CpuGemm.gemm (dev.stride.backend.Gemm holds the same fields). 16x16 output tiles staged through shared
// memory; beta == 0 overwrites C without reading it. The path on the emulator and where cuBLAS is missing.
#define TILE 16

extern "C" __global__ void sgemm(int m, int n, int k, float alpha,
                                 const float* __restrict__ A, long long aOff, int lda, long long aBatch, int transA,
                                 const float* __restrict__ B, long long bOff, int ldb, long long bBatch, int transB,
                                 float beta, float* __restrict__ C, long long cOff, int ldc, long long cBatch) {
    __shared__ float as[TILE][TILE + 1];
    __shared__ float bs[TILE][TILE + 1];
    int tx = threadIdx.x;
    int ty = threadIdx.y;
    long long z = blockIdx.z;
    const float* a = A + aOff + z * aBatch;
    const float* b = B + bOff + z * bBatch;
    float* c = C + cOff + z * cBatch;
    int row = blockIdx.y * TILE + ty;
    int col = blockIdx.x * TILE + tx;
    float acc = 0.0f;
    for (int t = 0; t < k; t += TILE) {
        int ka = t + tx;
        int kb = t + ty;
        as[ty][tx] = row < m && ka < k ? (transA ? a[(long long) ka * lda + row] : a[(long long) row * lda + ka]) : 0.0f;
        bs[ty][tx] = kb < k && col < n ? (transB ? b[(long long) col * ldb + kb] : b[(long long) kb * ldb + col]) : 0.0f;
        __syncthreads();
        #pragma unroll
        for (int i = 0; i < TILE; i++) acc += as[ty][i] * bs[i][tx];
        __syncthreads();
    }
    if (row < m && col < n) {
        float* out = c + (long long) row * ldc + col;
        *out = beta == 0.0f ? alpha * acc : alpha * acc + beta * *out;
    }
}

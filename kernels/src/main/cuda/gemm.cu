// Batched SGEMM with transpose flags: for each batch entry z, C = alpha * op(A) * op(B) + beta * C, row-major, the
// twin of CpuGemm.gemm (dev.stride.backend.Gemm holds the same fields). A block computes a 64x64 tile of C with 256
// threads, each a 4x4 register tile, over k in steps of 8 staged through shared memory; the loads walk each operand
// along its contiguous dimension (which the transpose flags decide), so a warp reads whole sectors. beta == 0
// overwrites C without reading it. The path on the emulator and wherever cuBLAS does not load.
#define BM 64
#define BN 64
#define BK 8

extern "C" __global__ void sgemm(int m, int n, int k, float alpha,
                                 const float* __restrict__ A, long long aOff, int lda, long long aBatch, int transA,
                                 const float* __restrict__ B, long long bOff, int ldb, long long bBatch, int transB,
                                 float beta, float* __restrict__ C, long long cOff, int ldc, long long cBatch) {
    __shared__ float as[BK][BM];
    __shared__ float bs[BK][BN];
    int t = threadIdx.x;
    int tx = t % 16;
    int ty = t / 16;
    long long z = blockIdx.z;
    const float* a = A + aOff + z * aBatch;
    const float* b = B + bOff + z * bBatch;
    float* c = C + cOff + z * cBatch;
    int row0 = blockIdx.y * BM;
    int col0 = blockIdx.x * BN;
    float acc[4][4] = {{0.0f}};
    for (int k0 = 0; k0 < k; k0 += BK) {
        #pragma unroll
        for (int l = 0; l < 2; l++) {
            int idx = t + l * 256;
            int r = transA ? idx % BM : idx / BK;   // along A's contiguous dimension
            int kk = transA ? idx / BM : idx % BK;
            int row = row0 + r;
            int kA = k0 + kk;
            as[kk][r] = row < m && kA < k ? (transA ? a[(long long) kA * lda + row] : a[(long long) row * lda + kA]) : 0.0f;
            int cc = transB ? idx / BK : idx % BN;  // along B's contiguous dimension
            int kb = transB ? idx % BK : idx / BN;
            int col = col0 + cc;
            int kB = k0 + kb;
            bs[kb][cc] = kB < k && col < n ? (transB ? b[(long long) col * ldb + kB] : b[(long long) kB * ldb + col]) : 0.0f;
        }
        __syncthreads();
        #pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float af[4], bf[4];
            #pragma unroll
            for (int i = 0; i < 4; i++) af[i] = as[kk][ty * 4 + i];
            #pragma unroll
            for (int j = 0; j < 4; j++) bf[j] = bs[kk][tx * 4 + j];
            #pragma unroll
            for (int i = 0; i < 4; i++) {
                #pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] += af[i] * bf[j];
            }
        }
        __syncthreads();
    }
    #pragma unroll
    for (int i = 0; i < 4; i++) {
        int row = row0 + ty * 4 + i;
        if (row >= m) continue;
        #pragma unroll
        for (int j = 0; j < 4; j++) {
            int col = col0 + tx * 4 + j;
            if (col >= n) continue;
            float* out = c + (long long) row * ldc + col;
            *out = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *out;
        }
    }
}

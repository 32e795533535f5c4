// Batched SGEMM with transpose flags: for each batch entry z, C = alpha * op(A) * op(B) + beta * C, row-major, the
// twin of CpuGemm.gemm (dev.stride.backend.Gemm holds the same fields). A block of 256 threads computes a TILE x TILE
// tile of C over k in steps of 8 staged through shared memory; the loads walk each operand along its contiguous
// dimension (which the transpose flags decide), so a warp reads whole sectors. Each thread holds (TILE/16)^2
// results: groups of 4 rows and 4 columns, 64 apart, so that a warp's 16-byte shared loads of one group cover
// consecutive words. Every element sums k in order with one fused multiply-add per step, so both tile sizes give
// the same bits. beta == 0 overwrites C without reading it. The path on the emulator and wherever cuBLAS does
// not load: sgemm (64x64, 4x4 per thread) for small grids, sgemm128 (8x8 per thread, half the shared-memory
// loads per multiply-add) when the backend has enough 128-wide tiles to fill the device.
#define BK 8
#define PAD 4  // a row of 8 staged k-values per column would put 8 threads on one bank

template <int TILE>
__device__ __forceinline__ void sgemm_tile(int m, int n, int k, float alpha,
                                           const float* __restrict__ A, long long aOff, int lda, long long aBatch, int transA,
                                           const float* __restrict__ B, long long bOff, int ldb, long long bBatch, int transB,
                                           float beta, float* __restrict__ C, long long cOff, int ldc, long long cBatch) {
    constexpr int G = TILE / 64;       // groups of 4 rows (and of 4 columns) per thread
    constexpr int LOADS = TILE / 32;   // elements of each operand a thread stages per k step: TILE * BK / 256
    __shared__ __align__(16) float as[BK][TILE + PAD];
    __shared__ __align__(16) float bs[BK][TILE + PAD];
    int t = threadIdx.x;
    int tx = t % 16;
    int ty = t / 16;
    long long z = blockIdx.z;
    const float* a = A + aOff + z * aBatch;
    const float* b = B + bOff + z * bBatch;
    float* c = C + cOff + z * cBatch;
    int row0 = blockIdx.y * TILE;
    int col0 = blockIdx.x * TILE;
    float acc[4 * G][4 * G];
    #pragma unroll
    for (int i = 0; i < 4 * G; i++) {
        #pragma unroll
        for (int j = 0; j < 4 * G; j++) acc[i][j] = 0.0f;
    }
    for (int k0 = 0; k0 < k; k0 += BK) {
        #pragma unroll
        for (int l = 0; l < LOADS; l++) {
            int idx = t + l * 256;
            int r = transA ? idx % TILE : idx / BK;   // along A's contiguous dimension
            int kk = transA ? idx / TILE : idx % BK;
            int row = row0 + r;
            int kA = k0 + kk;
            as[kk][r] = row < m && kA < k ? (transA ? a[(long long) kA * lda + row] : a[(long long) row * lda + kA]) : 0.0f;
            int cc = transB ? idx / BK : idx % TILE;  // along B's contiguous dimension
            int kb = transB ? idx % BK : idx / TILE;
            int col = col0 + cc;
            int kB = k0 + kb;
            bs[kb][cc] = kB < k && col < n ? (transB ? b[(long long) col * ldb + kB] : b[(long long) kB * ldb + col]) : 0.0f;
        }
        __syncthreads();
        #pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float af[4 * G], bf[4 * G];
            #pragma unroll
            for (int g = 0; g < G; g++) {
                float4 va = *reinterpret_cast<const float4*>(&as[kk][g * 64 + ty * 4]);
                float4 vb = *reinterpret_cast<const float4*>(&bs[kk][g * 64 + tx * 4]);
                af[4 * g] = va.x; af[4 * g + 1] = va.y; af[4 * g + 2] = va.z; af[4 * g + 3] = va.w;
                bf[4 * g] = vb.x; bf[4 * g + 1] = vb.y; bf[4 * g + 2] = vb.z; bf[4 * g + 3] = vb.w;
            }
            #pragma unroll
            for (int i = 0; i < 4 * G; i++) {
                #pragma unroll
                for (int j = 0; j < 4 * G; j++) acc[i][j] = __fmaf_rn(af[i], bf[j], acc[i][j]);
            }
        }
        __syncthreads();
    }
    #pragma unroll
    for (int i = 0; i < 4 * G; i++) {
        int row = row0 + (i / 4) * 64 + ty * 4 + i % 4;
        if (row >= m) continue;
        #pragma unroll
        for (int j = 0; j < 4 * G; j++) {
            int col = col0 + (j / 4) * 64 + tx * 4 + j % 4;
            if (col >= n) continue;
            float* out = c + (long long) row * ldc + col;
            *out = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *out;
        }
    }
}

#define SGEMM_PARAMS int m, int n, int k, float alpha, \
    const float* __restrict__ A, long long aOff, int lda, long long aBatch, int transA, \
    const float* __restrict__ B, long long bOff, int ldb, long long bBatch, int transB, \
    float beta, float* __restrict__ C, long long cOff, int ldc, long long cBatch
#define SGEMM_ARGS m, n, k, alpha, A, aOff, lda, aBatch, transA, B, bOff, ldb, bBatch, transB, beta, C, cOff, ldc, cBatch

extern "C" __global__ void __launch_bounds__(256) sgemm(SGEMM_PARAMS) {
    sgemm_tile<64>(SGEMM_ARGS);
}

extern "C" __global__ void __launch_bounds__(256) sgemm128(SGEMM_PARAMS) {
    sgemm_tile<128>(SGEMM_ARGS);
}

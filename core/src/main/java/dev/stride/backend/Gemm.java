package dev.stride.backend;

/**
 * One batched, row-major GEMM: for each {@code b < batch},
 * {@code C_b = alpha * op(A_b) * op(B_b) + beta * C_b}, where {@code op(A_b)} is m×k and {@code op(B_b)} is k×n.
 * {@code transA} means A_b is stored k×m (leading dimension {@code lda} ≥ m), else m×k ({@code lda} ≥ k);
 * likewise for B. A batch stride of 0 reuses one matrix for every batch entry (broadcasting).
 * C must not alias A or B.
 */
public record Gemm(
        int batch, int m, int n, int k, float alpha,
        Storage a, long aOffset, int lda, long aBatchStride, boolean transA,
        Storage b, long bOffset, int ldb, long bBatchStride, boolean transB,
        float beta, Storage c, long cOffset, int ldc, long cBatchStride) {

    public long flops() {
        return 2L * batch * m * n * k;
    }
}

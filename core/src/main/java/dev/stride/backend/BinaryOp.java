package dev.stride.backend;

/** Elementwise binary primitives on F32 with NumPy broadcasting. Comparisons give 1 or 0. */
public enum BinaryOp {
    /** {@code a + b}. */
    ADD,
    /** {@code a - b}. */
    SUB,
    /** {@code a * b}. */
    MUL,
    /** {@code a / b}, IEEE (x/0 is ±inf or NaN). */
    DIV,
    /** The larger of a and b; NaN if either is NaN (like {@code torch.maximum}). */
    MAX,
    /** The smaller of a and b; NaN if either is NaN. */
    MIN,
    /** {@code a^b} as {@link Math#pow}. */
    POW,
    /** {@code 1} if {@code a > b}, else 0 (false on NaN). */
    GT,
    /** {@code 1} if {@code a < b}, else 0 (false on NaN). */
    LT,
    /** {@code 1} if {@code a == b}, else 0 (false on NaN). */
    EQ
}

package dev.stride.backend;

/** Reductions over a set of axes. */
public enum ReduceOp {
    /** Sum; an empty reduction gives 0. */
    SUM,
    /** Maximum; NaN if any element is NaN; an empty reduction gives -inf. */
    MAX,
    /** Minimum; NaN if any element is NaN; an empty reduction gives +inf. */
    MIN,
    /** Index (I32 output) of the first maximum along one axis; NaN counts as the maximum. */
    ARGMAX
}

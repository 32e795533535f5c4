package dev.stride.backend;

/** Elementwise unary primitives on F32. Each constant states its scalar meaning. */
public enum UnaryOp {
    /** {@code -x}. */
    NEG,
    /** {@code |x|}. */
    ABS,
    /** {@code -1, 0, +1} by the sign of x; 0 for ±0; NaN for NaN. */
    SIGN,
    /** {@code e^x}. */
    EXP,
    /** Natural logarithm; {@code -inf} at 0, NaN below 0. */
    LOG,
    /** Square root; NaN below 0. */
    SQRT,
    /** {@code 1/x}; ±inf at ±0. */
    RECIPROCAL,
    /** {@code x*x}. */
    SQUARE,
    /** {@code max(x, 0)}; NaN stays NaN. */
    RELU,
    /** {@code 1/(1+e^-x)}, evaluated without overflow for large |x|. */
    SIGMOID,
    /** Hyperbolic tangent. */
    TANH,
    /** {@code 1} where {@code x > 0}, else {@code 0} (NaN gives 0): the derivative of ReLU. */
    STEP,
    /** The error function {@code erf(x)}; backends may approximate it to within 2e-7 absolute. */
    ERF
}

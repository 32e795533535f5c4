package dev.stride.backend;

/** The distributions a backend draws from with Philox4x32-10; see {@link dev.stride.random.Philox}. */
public enum Distribution {
    /** Uniform on {@code [a, b)}: {@code a + (b - a) * u}, u from the top 24 bits of the element's word. */
    UNIFORM,
    /** Normal with mean {@code a} and standard deviation {@code b}, by Box-Muller (cosine branch). */
    NORMAL,
    /**
     * Dropout's keep mask: {@code a} where the element's word, unsigned, is {@code >= floor(b·2^32)}, else 0;
     * with {@code b = p} and {@code a = 1/(1-p)} it is the inverted-dropout multiplier.
     */
    KEEP_MASK;

    /** Philox counters (4 words each) that a draw of {@code n} elements consumes. */
    public long counters(long n) {
        return this == NORMAL ? (n + 1) / 2 : (n + 3) / 4;
    }
}

package dev.stride.testing;

/**
 * An elementwise closeness test, {@code |a - b| <= atol + rtol * |b|}, as {@code torch.testing.assert_close}.
 * NaNs match only NaNs; infinities only the same infinity.
 */
public record Tolerance(double rtol, double atol) {
    /** PyTorch's float32 defaults. */
    public static final Tolerance F32 = new Tolerance(1.3e-6, 1e-5);

    public boolean close(double actual, double expected) {
        if (Double.isNaN(actual) || Double.isNaN(expected)) return Double.isNaN(actual) && Double.isNaN(expected);
        if (Double.isInfinite(actual) || Double.isInfinite(expected)) return actual == expected;
        return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
    }

    /** Throws {@link AssertionError} naming the first mismatching index and both values. */
    public void check(String what, float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": length " + actual.length + " vs expected " + expected.length);
        }
        for (int i = 0; i < actual.length; i++) {
            if (!close(actual[i], expected[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " (rtol " + rtol + ", atol " + atol + ")");
            }
        }
    }
}

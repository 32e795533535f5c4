package dev.stride.optim.schedule;

/**
 * {@code CosineAnnealingWarmRestarts}: cycle i lasts {@code t0·tMult^i} counts; within it the rate follows
 * {@code min + (base - min)(1 + cos(π·tCur/tI))/2}. {@link #cycleEndsAt} marks where snapshot ensembles collect.
 */
public final class CosineWarmRestarts implements Schedule {
    private final long t0;
    private final long tMult;
    private final double min;

    CosineWarmRestarts(long t0, long tMult, double min) {
        if (t0 <= 0 || tMult < 1) throw new IllegalArgumentException("cosine warm restarts: T_0 must be > 0 and T_mult >= 1, got " + t0 + ", " + tMult);
        this.t0 = t0;
        this.tMult = tMult;
        this.min = min;
    }

    /** {tCur, tI}: the position within the current cycle and its length. */
    private long[] position(long t) {
        long start = 0;
        long len = t0;
        while (t >= start + len) {
            start += len;
            len *= tMult;
        }
        return new long[] {t - start, len};
    }

    @Override
    public double lr(double base, long t) {
        long[] p = position(t);
        return min + (base - min) * (1 + Math.cos(Math.PI * p[0] / p[1])) / 2;
    }

    /** Whether count {@code t} is the last of its cycle. */
    public boolean cycleEndsAt(long t) {
        long[] p = position(t);
        return p[0] == p[1] - 1;
    }
}

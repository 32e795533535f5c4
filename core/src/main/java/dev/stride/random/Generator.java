package dev.stride.random;

/**
 * A Philox stream: a seed and an offset that advances by the counters each draw uses, so a draw is
 * reproducible from (seed, offset) alone on any backend. Not thread-safe; give each thread its own.
 */
public final class Generator {
    private static final Generator DEFAULT = new Generator(0x5EED);

    private long seed;
    private long offset;

    public Generator(long seed) {
        this.seed = seed;
    }

    /** The generator that layers and {@link dev.stride.tensor.Tensor#rand} use when none is given. */
    public static Generator global() {
        return DEFAULT;
    }

    /** Re-seeds the global generator, like {@code torch.manual_seed}. */
    public static void manualSeed(long seed) {
        DEFAULT.reset(seed);
    }

    public synchronized void reset(long newSeed) {
        seed = newSeed;
        offset = 0;
    }

    public synchronized long seed() {
        return seed;
    }

    public synchronized long offset() {
        return offset;
    }

    public synchronized void setOffset(long newOffset) {
        offset = newOffset;
    }

    /** Returns the offset for a draw of {@code counters} counters and advances past it. */
    public synchronized long advance(long counters) {
        long o = offset;
        offset += counters;
        return o;
    }
}

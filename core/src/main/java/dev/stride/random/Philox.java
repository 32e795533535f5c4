package dev.stride.random;

/**
 * Philox4x32-10 (Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11), and the mapping from
 * (seed, offset, element index) to random words that every backend shares. Element {@code i} of a draw made at
 * {@code offset} uses counter {@code (i/4 as 64 bits, offset as 64 bits)}, key {@code seed}, and word {@code i%4};
 * the result never depends on a launch grid, so CPU and GPU draws are bit-identical.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final float TWO_POW_M24 = 0x1p-24f;

    private Philox() {}

    /** Ten rounds over counter {@code c} (4 words) with key {@code (k0, k1)}; writes 4 words to {@code out}. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** The 4 words of counter {@code counter} of a draw at {@code offset} with {@code seed}. */
    public static void words(long seed, long offset, long counter, int[] out) {
        block((int) counter, (int) (counter >>> 32), (int) offset, (int) (offset >>> 32),
                (int) seed, (int) (seed >>> 32), out);
    }

    /**
     * The words of counters {@code counter} and {@code counter + 1} into {@code out[0..8)}: two independent blocks
     * in one loop, so their multiply chains overlap (about twice the throughput of two {@link #words} calls).
     */
    public static void words2(long seed, long offset, long counter, int[] out) {
        long next = counter + 1;
        int a0 = (int) counter, a1 = (int) (counter >>> 32), a2 = (int) offset, a3 = (int) (offset >>> 32);
        int b0 = (int) next, b1 = (int) (next >>> 32), b2 = a2, b3 = a3;
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        for (int round = 0; round < 10; round++) {
            long pa0 = (M0 & 0xFFFFFFFFL) * (a0 & 0xFFFFFFFFL);
            long pa1 = (M1 & 0xFFFFFFFFL) * (a2 & 0xFFFFFFFFL);
            long pb0 = (M0 & 0xFFFFFFFFL) * (b0 & 0xFFFFFFFFL);
            long pb1 = (M1 & 0xFFFFFFFFL) * (b2 & 0xFFFFFFFFL);
            int na0 = (int) (pa1 >>> 32) ^ a1 ^ k0;
            int na2 = (int) (pa0 >>> 32) ^ a3 ^ k1;
            int nb0 = (int) (pb1 >>> 32) ^ b1 ^ k0;
            int nb2 = (int) (pb0 >>> 32) ^ b3 ^ k1;
            a1 = (int) pa1;
            a3 = (int) pa0;
            b1 = (int) pb1;
            b3 = (int) pb0;
            a0 = na0;
            a2 = na2;
            b0 = nb0;
            b2 = nb2;
            k0 += W0;
            k1 += W1;
        }
        out[0] = a0;
        out[1] = a1;
        out[2] = a2;
        out[3] = a3;
        out[4] = b0;
        out[5] = b1;
        out[6] = b2;
        out[7] = b3;
    }

    /** A word as a float in [0, 1), from its top 24 bits. */
    public static float uniform(int word) {
        return (word >>> 8) * TWO_POW_M24;
    }

    /** A word as a float in (0, 1], from its top 24 bits; safe for {@code log}. */
    public static float uniformPositive(int word) {
        return ((word >>> 8) + 1) * TWO_POW_M24;
    }

    /** Box-Muller, cosine branch: {@code sqrt(-2 ln u1) * cos(2 pi u2)} with u1 in (0,1], u2 in [0,1). */
    public static float normal(int word1, int word2) {
        double u1 = uniformPositive(word1);
        double u2 = uniform(word2);
        return (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }

    /** Dropout's keep threshold: keep an element when its word, unsigned, is {@code >= floor(p * 2^32)}. */
    public static long dropThreshold(double p) {
        return (long) Math.floor(p * 4294967296.0);
    }
}

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
     * The words of counters {@code counter .. counter+count-1}: word j of counter {@code counter+i} is left in
     * {@code cj[i]}, as an unsigned value in a long. Each round is one loop over all counters on 64-bit lanes, which
     * C2 vectorizes (the 32×32→64 multiply included, with AVX-512), where {@link #words} is one scalar chain.
     */
    public static void blocks(long seed, long offset, long counter, int count, long[] c0, long[] c1, long[] c2, long[] c3) {
        long lo = offset & 0xFFFFFFFFL;
        long hi = offset >>> 32;
        for (int i = 0; i < count; i++) {
            long c = counter + i;
            c0[i] = c & 0xFFFFFFFFL;
            c1[i] = c >>> 32;
            c2[i] = lo;
            c3[i] = hi;
        }
        long k0 = seed & 0xFFFFFFFFL;
        long k1 = seed >>> 32;
        long m0 = M0 & 0xFFFFFFFFL;
        long m1 = M1 & 0xFFFFFFFFL;
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < count; i++) {
                long p0 = m0 * c0[i];
                long p1 = m1 * c2[i];
                long n0 = (p1 >>> 32) ^ c1[i] ^ k0;
                long n2 = (p0 >>> 32) ^ c3[i] ^ k1;
                c1[i] = p1 & 0xFFFFFFFFL;
                c3[i] = p0 & 0xFFFFFFFFL;
                c0[i] = n0;
                c2[i] = n2;
            }
            k0 = (k0 + (W0 & 0xFFFFFFFFL)) & 0xFFFFFFFFL;
            k1 = (k1 + (W1 & 0xFFFFFFFFL)) & 0xFFFFFFFFL;
        }
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

    /**
     * Elements of counters {@code [from, to)} of a draw of {@code n} at {@code offset}: uniform on [a, b) (four per
     * counter, {@code a + (b - a)·u}) or, with {@code normal}, normal with mean a and deviation b (two per counter,
     * {@code a + b·normal(...)}). The host definition every backend's {@code random} matches.
     */
    public static void fill(boolean normal, long seed, long offset, float a, float b, float[] out, long n, long from, long to) {
        int perCounter = normal ? 2 : 4;
        int[] w = new int[4];
        for (long c = from; c < to; c++) {
            words(seed, offset, c, w);
            for (int j = 0; j < perCounter; j++) {
                long i = c * perCounter + j;
                if (i >= n) break;
                out[(int) i] = normal ? a + b * normal(w[2 * j], w[2 * j + 1]) : a + (b - a) * uniform(w[j]);
            }
        }
    }

    /** Dropout's keep threshold: keep an element when its word, unsigned, is {@code >= floor(p * 2^32)}. */
    public static long dropThreshold(double p) {
        return (long) Math.floor(p * 4294967296.0);
    }
}

package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.random.Philox;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector dropout keeps an element exactly when the scalar Philox word is at least the threshold, over whole
 * groups of lanes from any first counter, at the threshold's edges, and without an input or a kept array.
 */
class VectorPhiloxTest {
    private static final int L = Simd.INT.length();

    @ParameterizedTest
    @CsvSource({"0, 0, 0, 8, 0", "7, 3, 100, 137, 1288490188", "-1, -1, 5, 64, 2147483648", "81985529216486895, "
            + "-6148914691236517206, 3, 29, 4294967295", "12, 0, 1000, 1000, 1", "5, 9, 40, 47, 3221225472"})
    void keepsExactlyTheElementsWhoseScalarWordIsAtLeastTheThreshold(long seed, long offset, long from, long to,
                                                                      long threshold) {
        int n = (int) (4 * to + 5);
        float[] x = new float[n];
        for (int e = 0; e < n; e++) x[e] = e - 30.5f;
        float[] out = new float[n];
        byte[] kept = new byte[n];
        float scale = 1.75f;
        long done = VectorPhilox.dropout(seed, offset, from, to, threshold, scale, x, out, kept);
        assertEquals(from + (to - from) / L * L, done, "whole groups of " + L + " counters");
        int[] w = new int[4];
        for (int e = 0; e < n; e++) {
            long c = e / 4;
            if (c < from || c >= done) {
                assertEquals(0f, out[e], "element " + e + " is outside the counters done");
                assertEquals(0, kept[e], "element " + e + " is outside the counters done");
                continue;
            }
            Philox.words(seed, offset, c, w);
            int bit = (w[e % 4] & 0xFFFFFFFFL) >= threshold ? 1 : 0;
            assertEquals(bit, kept[e], "counter " + c + " word " + e % 4 + " against " + threshold);
            assertEquals(x[e] * (scale * bit), out[e], "element " + e);
        }
    }

    /** A threshold equal to a word keeps it, one above drops it: for every word of a group's every lane. */
    @Test
    void aWordEqualToTheThresholdIsKeptAndOneBelowItIsDropped() {
        long seed = 0x1234_5678_9ABCL;
        long offset = 42;
        int[] w = new int[4];
        for (int e = 0; e < 4 * L; e++) {
            Philox.words(seed, offset, e / 4, w);
            long word = w[e % 4] & 0xFFFFFFFFL;
            for (long threshold : new long[] {word, word + 1}) {
                if (threshold > 0xFFFFFFFFL) continue;
                float[] out = new float[4 * L];
                byte[] kept = new byte[4 * L];
                VectorPhilox.dropout(seed, offset, 0, L, threshold, 2f, null, out, kept);
                int bit = threshold == word ? 1 : 0;
                assertEquals(bit, kept[e], "word " + word + " against " + threshold);
                assertEquals(2f * bit, out[e], "bare mask, word " + word + " against " + threshold);
            }
        }
    }

    @Test
    void withoutAKeptArrayTheProductIsTheSame() {
        int counters = 5 * L;
        float[] x = new float[4 * counters];
        for (int e = 0; e < x.length; e++) x[e] = 1 + e;
        float[] withKept = new float[x.length];
        float[] without = new float[x.length];
        long threshold = Philox.dropThreshold(0.4);
        VectorPhilox.dropout(3, 4, 0, counters, threshold, 1 / 0.6f, x, withKept, new byte[x.length]);
        VectorPhilox.dropout(3, 4, 0, counters, threshold, 1 / 0.6f, x, without, null);
        assertArrayEquals(withKept, without);
        assertTrue(hasBoth(without), "some kept and some dropped");
    }

    @Test
    void aThresholdPastEveryWordLeavesEverythingToTheCaller() {
        float[] out = new float[4 * L];
        assertEquals(0, VectorPhilox.dropout(1, 2, 0, L, 1L << 32, 1f, null, out, null));
    }

    /** The backward's product from the kept bits, the scalar product's bits at the special values. */
    @Test
    void applyingKeptBitsIsTheScalarProduct() {
        float[] special = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                Float.MIN_VALUE, 3.5f, -2.25e-30f};
        int n = 5 * L + 3;
        float[] x = new float[n];
        byte[] kept = new byte[n];
        for (int i = 0; i < n; i++) {
            x[i] = special[i % special.length];
            kept[i] = (byte) ((i / special.length) % 2 == 0 ? 1 : i % 2);
        }
        float scale = 1 / 0.7f;
        float[] out = new float[n];
        int done = VectorPhilox.applyKept(x, kept, scale, out, 1, n);
        assertEquals(1 + (n - 1) / L * L, done, "whole vectors from element 1");
        assertEquals(0f, out[0], "before the range");
        for (int i = 1; i < done; i++) {
            assertEquals(Float.floatToRawIntBits(x[i] * (scale * kept[i])), Float.floatToRawIntBits(out[i]),
                    "element " + i + ": " + x[i] + " kept " + kept[i]);
        }
    }

    /** Both forms of the product's high word, against the unsigned 64-bit product, in even and odd lanes. */
    @ParameterizedTest
    @ValueSource(ints = {0xD2511F53, 0xCD9E8D57, 0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF, 0x10000})
    void bothFormsOfTheHighWordAreTheUnsignedProductsHighWord(int m) {
        int[] special = {0, 1, -1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF, 0x10000, 0xFFFF0000, 0x12345678,
                0x80000001, 0xFFFFFFFE, 0x0000FFFF, 0x00010001, 0xDEADBEEF, 0x7FFF8000};
        VectorPhilox.Multiplier mul = new VectorPhilox.Multiplier(m);
        for (int rotate = 0; rotate < special.length; rotate++) {
            int[] a = new int[L];
            for (int k = 0; k < a.length; k++) a[k] = special[(k + rotate) % special.length];
            IntVector v = IntVector.fromArray(Simd.INT, a, 0);
            int[] fromLongs = VectorPhilox.highFromLongs(v, mul).toArray();
            int[] fromHalves = VectorPhilox.highFromHalves(v, mul).toArray();
            for (int k = 0; k < a.length; k++) {
                int want = (int) (((a[k] & 0xFFFFFFFFL) * (m & 0xFFFFFFFFL)) >>> 32);
                String what = Integer.toUnsignedString(a[k]) + " · " + Integer.toUnsignedString(m) + ", lane " + k;
                assertEquals(want, fromLongs[k], "from longs: " + what);
                assertEquals(want, fromHalves[k], "from halves: " + what);
            }
        }
    }

    private static boolean hasBoth(float[] v) {
        boolean zero = false;
        boolean nonzero = false;
        for (float f : v) {
            zero |= f == 0;
            nonzero |= f != 0;
        }
        return zero && nonzero;
    }
}

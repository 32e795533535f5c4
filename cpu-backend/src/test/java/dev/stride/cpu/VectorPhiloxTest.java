package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.random.Philox;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector lanes give Philox's words bit for bit, across a carry into the counter's high word and in a ragged tail;
 * the vector dropout keeps a word exactly when the scalar test does, at the threshold's edges.
 */
class VectorPhiloxTest {
    @ParameterizedTest
    @CsvSource({"0, 0, 0, 1", "7, 3, 100, 37", "-1, -1, 0, 64", "81985529216486895, -6148914691236517206, 4294967290, 29",
                "5, 9, 8589934587, 17", "12, 0, 2147483644, 8"})
    void matchesTheScalarWords(long seed, long offset, long counter, int count) {
        int[][] lanes = new int[4][count];
        VectorPhilox.blocks(seed, offset, counter, count, lanes[0], lanes[1], lanes[2], lanes[3]);
        int[] w = new int[4];
        for (int i = 0; i < count; i++) {
            Philox.words(seed, offset, counter + i, w);
            for (int j = 0; j < 4; j++) assertEquals(w[j], lanes[j][i], "counter " + (counter + i) + " word " + j);
        }
    }

    /** Both forms of the product's high word, against the unsigned 64-bit product, in even and odd lanes. */
    @ParameterizedTest
    @ValueSource(ints = {0xD2511F53, 0xCD9E8D57, 0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF, 0x10000})
    void bothFormsOfTheHighWordAreTheUnsignedProductsHighWord(int m) {
        int[] special = {0, 1, -1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF, 0x10000, 0xFFFF0000, 0x12345678,
                0x80000001, 0xFFFFFFFE, 0x0000FFFF, 0x00010001, 0xDEADBEEF, 0x7FFF8000};
        for (int rotate = 0; rotate < special.length; rotate++) {
            int[] a = new int[Simd.INT.length()];
            for (int k = 0; k < a.length; k++) a[k] = special[(k + rotate) % special.length];
            IntVector v = IntVector.fromArray(Simd.INT, a, 0);
            int[] fromLongs = VectorPhilox.highFromLongs(v, m).toArray();
            int[] fromHalves = VectorPhilox.highFromHalves(v, m).toArray();
            for (int k = 0; k < a.length; k++) {
                int want = (int) (((a[k] & 0xFFFFFFFFL) * (m & 0xFFFFFFFFL)) >>> 32);
                String what = Integer.toUnsignedString(a[k]) + " · " + Integer.toUnsignedString(m) + ", lane " + k;
                assertEquals(want, fromLongs[k], "from longs: " + what);
                assertEquals(want, fromHalves[k], "from halves: " + what);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 0x7FFFFFFFL, 0x80000000L, 0x80000001L, 3221225472L, 0xFFFFFFFFL})
    void keepsAWordExactlyWhenItIsAtLeastTheThreshold(long threshold) {
        int count = 20;
        int[][] c = new int[4][count];
        int[] edge = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, (int) threshold, (int) (threshold - 1),
                (int) (threshold + 1)};
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < 4; j++) c[j][i] = edge[(4 * i + j) % edge.length] ^ (i >= 8 ? 0x5A5A5A5A * j : 0);
        }
        float scale = 1.75f;
        float[] x = new float[4 * count + 3];
        for (int e = 0; e < x.length; e++) x[e] = e - 30.5f;
        float[] out = new float[x.length];
        byte[] kept = new byte[x.length];
        int done = VectorPhilox.keep(c[0], c[1], c[2], c[3], count, threshold, scale, x, out, 3, kept, 3);
        assertTrue(done >= 8 && done % 8 == 0, "counters done " + done);
        for (int i = 0; i < done; i++) {
            for (int j = 0; j < 4; j++) {
                int e = 3 + 4 * i + j;
                int bit = (c[j][i] & 0xFFFFFFFFL) >= threshold ? 1 : 0;
                assertEquals(bit, kept[e], "word " + Integer.toUnsignedString(c[j][i]) + " against " + threshold);
                assertEquals(x[e] * (scale * bit), out[e], "element " + e);
            }
        }
        assertEquals(0f, out[0]);
        assertEquals(0, kept[4 * done + 3]);
    }
}

package dev.stride.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiloxTest {
    private static int[] block(long... in) {
        int[] out = new int[4];
        Philox.block((int) in[0], (int) in[1], (int) in[2], (int) in[3], (int) in[4], (int) in[5], out);
        return out;
    }

    /** The philox4x32-10 lines of Random123's kat_vectors: counter (4 words), key (2 words) -> 4 words. */
    @Test
    void matchesRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, block(0, 0, 0, 0, 0, 0));
        long f = 0xffffffffL;
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, block(f, f, f, f, f, f));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                block(0x243f6a88L, 0x85a308d3L, 0x13198a2eL, 0x03707344L, 0xa4093822L, 0x299f31d0L));
    }

    @Test
    void wordsPutIndexInLowCounterAndOffsetInHighCounter() {
        int[] viaWords = new int[4];
        Philox.words(0x299f31d0a4093822L, 0x0370734413198a2eL, 0x85a308d3243f6a88L, viaWords);
        assertArrayEquals(block(0x243f6a88L, 0x85a308d3L, 0x13198a2eL, 0x03707344L, 0xa4093822L, 0x299f31d0L), viaWords);
    }

    @Test
    void manyBlocksOnLanesEqualSingleBlocks() {
        int n = 37;
        long[][] lanes = new long[4][n];
        int[] one = new int[4];
        long[] seeds = {0x1234_5678_9ABC_DEF0L, 0, -1};
        long[] offsets = {77, 0xFFFF_FFFF_0000_0001L};
        long[] starts = {0, 5, 0xFFFFFFFFL - 10, -20};
        for (long seed : seeds) {
            for (long offset : offsets) {
                for (long start : starts) {
                    Philox.blocks(seed, offset, start, n, lanes[0], lanes[1], lanes[2], lanes[3]);
                    for (int i = 0; i < n; i++) {
                        Philox.words(seed, offset, start + i, one);
                        for (int w = 0; w < 4; w++) {
                            assertEquals(one[w] & 0xFFFFFFFFL, lanes[w][i], "word " + w + " of counter " + (start + i));
                        }
                    }
                }
            }
        }
    }

    @Test
    void uniformUsesTop24Bits() {
        assertEquals(0f, Philox.uniform(0x000000ff));
        assertEquals(1f - 0x1p-24f, Philox.uniform(0xffffffff));
        assertEquals(0.5f, Philox.uniform(0x80000000));
        assertEquals(0x1p-24f, Philox.uniformPositive(0));
        assertEquals(1f, Philox.uniformPositive(0xffffffff));
    }

    @Test
    void dropThresholdIsFloorOfPTimes2To32() {
        assertEquals(0L, Philox.dropThreshold(0));
        assertEquals(1L << 31, Philox.dropThreshold(0.5));
        assertEquals(429496729L, Philox.dropThreshold(0.1));
    }

    @Test
    void generatorAdvancesByCountersUsed() {
        Generator g = new Generator(7);
        assertEquals(0, g.advance(3));
        assertEquals(3, g.advance(10));
        assertEquals(13, g.offset());
        g.reset(9);
        assertEquals(0, g.offset());
        assertEquals(9, g.seed());
    }

    @Test
    void normalHasUnitMomentsOverManyDraws() {
        int[] w = new int[4];
        double sum = 0;
        double sq = 0;
        int n = 200_000;
        for (int c = 0; c < n / 2; c++) {
            Philox.words(42, 0, c, w);
            for (int j = 0; j < 2; j++) {
                float z = Philox.normal(w[2 * j], w[2 * j + 1]);
                assertTrue(Float.isFinite(z));
                sum += z;
                sq += z * z;
            }
        }
        double mean = sum / n;
        assertEquals(0, mean, 5 * Math.sqrt(1.0 / n));
        assertEquals(1, sq / n - mean * mean, 0.02);
    }
}

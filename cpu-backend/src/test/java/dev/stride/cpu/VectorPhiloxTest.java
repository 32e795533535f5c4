package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stride.random.Philox;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vector lanes give Philox's words bit for bit, across a carry into the counter's high word and in a ragged tail. */
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
}

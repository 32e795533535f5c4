package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code stride sanity} passes on both models and shows the numbers it checked. */
class SanityCommandTest {
    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn"})
    void passesWithNumbers(String model) {
        Cli r = Cli.run("sanity", "--model", model, "--data", Path.of("..", "data", "mnist").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("PASS initial loss 2.30") && r.out().contains("vs ln(10) = 2.3026"), r.out());
        assertTrue(r.out().contains("PASS regularization raises the loss"), r.out());
        assertTrue(r.out().contains("PASS overfits 20 samples: training accuracy 1.00"), r.out());
        assertTrue(r.out().contains("all checks passed"), r.out());
    }
}

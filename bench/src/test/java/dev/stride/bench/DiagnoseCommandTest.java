package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stride diagnose}: gradients through time vanish, hold and explode with the spectral radius of W_hh. */
class DiagnoseCommandTest {
    @TempDir
    Path dir;

    @Test
    void gradientNormsThroughTimeFollowTheSpectralRadius() throws Exception {
        Cli r = Cli.run("diagnose", "--steps", "50", "--hidden", "8", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        String ratios = r.out().lines().filter(l -> l.strip().startsWith("1/T")).findFirst().orElseThrow();
        String[] v = ratios.strip().split("\\s+");
        // ||dL/dh_1|| / ||dL/dh_T|| = radius^(T-1) when every ReLU stays on: 0.9^49, 1, 1.1^49.
        assertEquals(Math.pow(0.9, 49), Double.parseDouble(v[1]), 1e-3 * Math.pow(0.9, 49));
        assertEquals(1.0, Double.parseDouble(v[2]), 1e-4);
        assertEquals(Math.pow(1.1, 49), Double.parseDouble(v[3]), 1e-3 * Math.pow(1.1, 49));
        String decay = r.out().lines().filter(l -> l.strip().startsWith("1/T-1")).findFirst().orElseThrow();
        String[] d = decay.strip().split("\\s+");
        assertEquals(Math.pow(0.9, 48), Double.parseDouble(d[1]), 1e-3 * Math.pow(0.9, 48));
        assertTrue(Double.parseDouble(d[4]) > 10 * Math.pow(0.9, 48), "the LSTM vanishes as fast as the 0.9 RNN: " + decay);
        assertTrue(Files.size(dir.resolve("gradient-through-time.png")) > 1000);
    }
}

package dev.stride.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScalingModelTest {
    // 20 ms compute, 2 ms update, 40 ms job; 1 MB each way in sync, 3 MB (weights and Adam's two moments) averaging.
    private final ScalingModel m = new ScalingModel(0.020, 0.002, 0.040, 1_000_000, 3_000_000);

    @Test
    void stepTimeAddsComputeJobUpdateAndTheNetwork() {
        assertEquals(0.062, m.stepSeconds(1, 1e9, 1), 1e-12);
        // 16 workers at 1 Gbit/s: 8 ms per transfer, one broadcast and a depth-2 tree whose busiest link takes 8.
        assertEquals(0.062 + 0.008 * 9, m.stepSeconds(16, 1e9, 1), 1e-12);
        // Two workers: each sends straight to the driver (min(2, 2√2) = 2 messages).
        assertEquals(0.062 + 0.008 * 3, m.stepSeconds(2, 1e9, 1), 1e-12);
        // Averaging every 8 steps pays the job, the update and 3x the bytes once per 8 steps.
        assertEquals(0.020 + (0.040 + 0.002 + 0.024 * 9) / 8, m.stepSeconds(16, 1e9, 8), 1e-12);
    }

    @Test
    void speedupGrowsWithWorkersAndBandwidthAndAveragingWinsWhenTheJobDominates() {
        assertEquals(22.0 / 62.0, m.speedup(1, 1e9, 1), 1e-12);
        for (int i = 1; i < ScalingModel.WORKERS.length; i++) {
            int n = ScalingModel.WORKERS[i];
            assertTrue(m.speedup(n, 1e9, 1) > m.speedup(ScalingModel.WORKERS[i - 1], 1e9, 1), "more workers, more samples/s");
            assertTrue(m.speedup(n, 1e10, 1) > m.speedup(n, 1e9, 1), "faster links help");
            assertTrue(m.speedup(n, 1e10, 8) > m.speedup(n, 1e10, 1), "averaging amortizes the 40 ms job");
        }
        String table = m.table(8);
        assertEquals(2 + ScalingModel.WORKERS.length, table.lines().count(), table);
        assertTrue(table.lines().skip(2).allMatch(l -> l.split("\\|").length == 5), table);
    }
}

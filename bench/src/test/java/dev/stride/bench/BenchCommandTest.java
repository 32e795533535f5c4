package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/** {@code stride bench} runs every workload and reports each against a baseline from the same run. */
class BenchCommandTest {
    @Test
    void reportsEveryWorkloadWithItsRatio() {
        Cli r = Cli.run("bench", "--seconds", "0.05", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject top = r.json();
        assertEquals("cpu", top.get("backend").getAsString());
        int withRatio = 0;
        int spread = 0;
        for (JsonElement e : top.getAsJsonArray("results")) {
            JsonObject o = e.getAsJsonObject();
            assertTrue(o.get("value").getAsDouble() > 0, o.toString());
            if (o.get("min").getAsDouble() < o.get("max").getAsDouble()) spread++;
            if (o.has("ratio")) {
                withRatio++;
                assertTrue(o.get("ratio").getAsDouble() > 0, o.toString());
            }
        }
        assertEquals(17, top.getAsJsonArray("results").size(), r.out());
        assertTrue(r.out().contains("rbm CD-1 784x256, batch 128"), r.out());
        assertTrue(r.out().contains("min - max of 5"), r.out());
        // Every workload timed in windows (all but the two ceilings) reports windows that differ.
        assertEquals(15, spread, r.out());
        assertEquals(11, withRatio);
        assertTrue(r.out().contains("gemm 1024") && r.out().contains("x peak FMA") && r.out().contains("x array copy"), r.out());
    }
}

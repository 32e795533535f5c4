package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/** {@code stride parity}: the table, the summary, the JSON and the exit status. */
class ParityCommandTest {
    @Test
    void theCpuAgainstTheEmulatedCudaBackendPassesAndListsEveryCase() {
        System.setProperty("stride.cuda.device", "emulated");
        try {
            Cli r = Cli.run("parity", "--backends", "cpu,cuda", "--filter", "binary ", "--json");
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("binary MAX") && r.out().contains("cpu / cuda"), r.out());
            assertTrue(r.out().contains("10 cases: 10 passed, 0 failed"), r.out());
            JsonObject j = r.json();
            assertEquals(10, j.get("cases").getAsJsonArray().size());
            for (JsonElement e : j.get("cases").getAsJsonArray()) {
                JsonObject c = e.getAsJsonObject();
                assertTrue(c.get("pass").getAsBoolean() && c.has("max_abs") && c.has("max_rel"), c.toString());
            }
        } finally {
            System.clearProperty("stride.cuda.device");
        }
    }

    @Test
    void fusedOpsAgainstTheirCompositesAndBadBackendsAreNamed() {
        Cli r = Cli.run("parity", "--backends", "cpu,cpu", "--filter", "dropout", "--fused");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("cpu / cpu-primitives"), r.out());
        Cli bad = Cli.run("parity", "--backends", "cpu,nope");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("unknown backend 'nope'"), bad.err());
    }
}

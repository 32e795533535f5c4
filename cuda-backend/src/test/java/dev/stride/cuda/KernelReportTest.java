package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The custom kernels move no more than 5% above the bytes their algorithm needs and use at least 90% of every
 * sector they fetch (counted on the emulator at 1/16 of the real batch sizes; `stride kernels` runs the real ones).
 */
class KernelReportTest {
    @Test
    void everyCustomKernelIsNearItsMinimumTrafficAndCoalesced() {
        List<KernelReport.Row> rows = KernelReport.run(1 / 16.0);
        assertEquals(9, rows.size(), rows.toString());
        for (KernelReport.Row r : rows) {
            assertTrue(r.ratio() >= 1 && r.ratio() <= 1.05, r.kernel() + " " + r.size() + " moves " + r.ratio() + "x its minimum");
            assertTrue(r.sectorEfficiency() >= 0.9, r.kernel() + " " + r.size() + " uses " + r.sectorEfficiency() + " of its sectors");
        }
    }
}

package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.cpu.CpuBackend;
import dev.stride.testing.Parity;
import dev.stride.testing.ParityCatalog;
import dev.stride.testing.PrimitivesOnly;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The whole parity catalog between the CPU and the CUDA backend on the emulator, and the CUDA backend's fused
 * overrides against their composite definitions on the same device.
 */
class ParityTest {
    static final CpuBackend CPU = new CpuBackend();
    static final CudaBackend CUDA = new CudaBackend(new EmulatedGpu(256L << 20));

    static String failures(List<Parity.Result> results) {
        return results.stream().filter(r -> !r.pass()).map(r -> r.name() + ": " + r.worst()).collect(Collectors.joining("\n"));
    }

    @Test
    void everyCaseAgreesBetweenTheCpuAndCuda() {
        List<Parity.Result> results = Parity.run(ParityCatalog.all(), CPU, CUDA, null);
        assertEquals("", failures(results));
        assertTrue(results.size() >= 150, results.size() + " cases");
    }

    @Test
    void everyCaseGivesTheSameBitsInAShuffledThreadOrder() {
        // A kernel missing a barrier reads what another thread has not written yet in some order; the emulator's own
        // fixed order can hide it. (scatterAdd's float atomics may legitimately depend on the order where two adds meet
        // one element; no case in the catalog changes with it today.)
        CudaBackend shuffled = new CudaBackend(new EmulatedGpu(256L << 20).shuffled(1));
        String differ = Parity.run(ParityCatalog.all(), CUDA, shuffled, null).stream().filter(r -> !r.pass() || r.maxAbs() != 0)
                .map(r -> r.name() + ": " + r.worst()).collect(Collectors.joining("\n"));
        assertEquals("", differ);
    }

    @Test
    void cudasFusedOpsAgreeWithTheirComposites() {
        assertEquals("", failures(Parity.run(ParityCatalog.fused(), CUDA, new PrimitivesOnly(CUDA), null)));
    }
}

package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.testing.Parity;
import dev.stride.testing.ParityCatalog;
import dev.stride.testing.PrimitivesOnly;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The catalog is complete (every op, fused op, layer, activation, loss, rule and schedule the code defines has a case),
 * and the CPU backend's fused overrides agree with their composite definitions on every fused case.
 */
class ParityCatalogTest {
    static final CpuBackend CPU = new CpuBackend();

    @Test
    void everyOpLayerLossRuleAndScheduleHasACase() {
        Set<String> required = ParityCatalog.required();
        assertTrue(required.containsAll(List.of("unary ERF", "reduce ARGMAX", "batchNormBackward", "layer Linear",
                "layer Maxout", "Activation gelu", "loss huber", "optimizerStep RAdam", "schedule oneCycle")), required.toString());
        assertEquals(List.of(), ParityCatalog.missing(), "things without a parity case (of " + required.size() + ")");
    }

    @Test
    void cpuFusedOpsAgreeWithTheirComposites() {
        List<Parity.Result> results = Parity.run(ParityCatalog.fused(), CPU, new PrimitivesOnly(CPU), null);
        String failed = results.stream().filter(r -> !r.pass()).map(r -> r.name() + ": " + r.worst()).collect(Collectors.joining("\n"));
        assertEquals("", failed);
    }
}

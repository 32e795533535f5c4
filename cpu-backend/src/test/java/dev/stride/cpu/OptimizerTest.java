package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.optim.Adam;
import dev.stride.optim.Optimizer;
import dev.stride.optim.ParamGroup;
import dev.stride.optim.Sgd;
import dev.stride.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-computed updates and the validation of hyper-parameters. */
class OptimizerTest {
    static final CpuBackend CPU = new CpuBackend();

    /** Minimizes f(w) = w^2 from w = 1 with gradient 2w, one scalar, three steps. */
    private static float[] run(Optimizer opt, Tensor w) {
        float[] trace = new float[3];
        for (int i = 0; i < 3; i++) {
            opt.zeroGrad();
            w.square().sum().backward();
            opt.step();
            trace[i] = w.item();
        }
        return trace;
    }

    @Test
    void adamThreeStepsByHand() {
        Tensor w = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        float[] t = run(new Adam(List.of(w), 0.1f), w);
        // Step 1: g=2, m=0.2, v=0.004, m^=2, v^=4, w = 1 - 0.1*2/(2+1e-8) = 0.9.
        assertEquals(0.9f, t[0], 1e-6);
        // Step 2: g=1.8, m=0.18+0.18=0.36, v=0.003996+0.00324=0.007236; m^=0.36/0.19, v^=0.007236/0.001999.
        double m2 = 0.36 / 0.19;
        double v2 = 0.007236 / (1 - 0.999 * 0.999);
        double w2 = 0.9 - 0.1 * m2 / Math.sqrt(v2);
        assertEquals(w2, t[1], 1e-5);
        double g3 = 2 * w2;
        double m3 = 0.9 * 0.36 + 0.1 * g3;
        double v3 = 0.999 * 0.007236 + 0.001 * g3 * g3;
        double w3 = w2 - 0.1 * (m3 / (1 - Math.pow(0.9, 3))) / Math.sqrt(v3 / (1 - Math.pow(0.999, 3)));
        assertEquals(w3, t[2], 1e-5);
    }

    @Test
    void adamWDecaysBeforeTheUpdate() {
        Tensor w = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        Adam opt = new Adam(List.of(ParamGroup.of(List.of(w))), 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, true, false);
        w.square().sum().backward();
        opt.step();
        // p = 1*(1 - 0.1*0.5) = 0.95, then 0.95 - 0.1 * 1 = 0.85.
        assertEquals(0.85f, w.item(), 1e-6);
    }

    @Test
    void momentumAndNesterovByHand() {
        Tensor w = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        float[] t = run(Sgd.momentum(List.of(w), 0.1f, 0.9f), w);
        // buf1 = 2 -> w 0.8; g 1.6, buf2 = 1.8+1.6 = 3.4 -> w 0.46; g 0.92, buf3 = 3.06+0.92 = 3.98 -> w 0.062.
        assertEquals(0.8f, t[0], 1e-6);
        assertEquals(0.46f, t[1], 1e-6);
        assertEquals(0.062f, t[2], 1e-6);
        Tensor v = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        float[] n = run(Sgd.nesterov(List.of(v), 0.1f, 0.9f), v);
        // g=2, buf=2, step g+0.9*buf = 3.8 -> 0.62; g=1.24, buf=1.8+1.24=3.04, step 1.24+2.736=3.976 -> 0.2224.
        assertEquals(0.62f, n[0], 1e-6);
        assertEquals(0.2224f, n[1], 1e-6);
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Tensor a = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        Tensor b = Tensor.of(CPU, new float[] {5}, 1).requiresGrad(true);
        Adam opt = new Adam(List.of(a, b), 0.1f);
        a.square().sum().backward();
        opt.step();
        assertEquals(5f, b.item());
        assertEquals(0.9f, a.item(), 1e-6);
    }

    @Test
    void badHyperParametersAreRejectedByName() {
        Tensor w = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        assertMessage("learning rate", () -> new Adam(List.of(w), -1f));
        assertMessage("learning rate", () -> new Sgd(List.of(w), Float.NaN));
        assertMessage("beta1", () -> new Adam(List.of(ParamGroup.of(List.of(w))), 0.1f, 1f, 0.999f, 1e-8f, 0, false, false));
        assertMessage("beta2", () -> new Adam(List.of(ParamGroup.of(List.of(w))), 0.1f, 0.9f, -0.1f, 1e-8f, 0, false, false));
        assertMessage("empty parameter list", () -> new Adam(List.of(), 0.1f));
        assertMessage("parameter 1 of group 0 is the same tensor as parameter 0 of group 0", () -> new Sgd(List.of(w, w), 0.1f));
        assertMessage("Nesterov", () -> Sgd.nesterov(List.of(w), 0.1f, 0));
    }

    private static void assertMessage(String part, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}

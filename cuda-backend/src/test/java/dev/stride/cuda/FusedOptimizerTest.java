package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import dev.stride.cpu.CpuBackend;
import dev.stride.tensor.DType;
import dev.stride.testing.Buffers;
import dev.stride.testing.ParityCatalog;
import dev.stride.testing.PrimitivesOnly;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fused multi-tensor optimizer kernel, every rule, as llm.c tests its AdamW kernel: from random parameters and
 * random moments, ten steps on the same gradients, then parameters and every state buffer compared with the CPU's
 * fused loop (1e-6 relative) and with the rule's reference composite on the same device (bit for bit: the kernel
 * rounds every operation as the composite does).
 */
class FusedOptimizerTest {
    static final CpuBackend CPU = new CpuBackend();
    static final CudaBackend CUDA = new CudaBackend(new EmulatedGpu(128L << 20));
    static final int[] SIZES = {1, 3, 31, 33, 4097};

    /** Every rule with each of its modes; bias corrections as at step 10. */
    static List<Update> rules() {
        return ParityCatalog.updateRules();
    }

    static float[] values(int n, long seed, float lo, float hi) {
        return Buffers.values(n, seed, lo, hi);
    }

    /** Parameters, gradients (one set per step) and state on {@code be}; state is positive, as sums of squares are, and a
     * centered RMSProp's gradient average (slot 2) small against its square average. */
    record Run(List<Storage> params, List<List<Storage>> grads, List<Storage[]> state) {}

    static Run setUp(Backend be, Update rule, int[] sizes) {
        List<Storage> params = new ArrayList<>();
        List<Storage[]> state = new ArrayList<>();
        List<List<Storage>> grads = new ArrayList<>();
        for (int step = 0; step < 10; step++) grads.add(new ArrayList<>());
        for (int i = 0; i < sizes.length; i++) {
            int n = sizes[i];
            params.add(upload(be, values(n, 100 + i, -1, 1)));
            for (int step = 0; step < 10; step++) grads.get(step).add(upload(be, values(n, 1000 * step + i, -0.5f, 0.5f)));
            Storage[] s = new Storage[rule.slots()];
            for (int k = 0; k < s.length; k++) s[k] = upload(be, values(n, 7 * i + k, 0f, k == 2 ? 1e-3f : 0.1f));
            state.add(s);
        }
        return new Run(params, grads, state);
    }

    static Storage upload(Backend be, float[] v) {
        return Buffers.upload(be, v);
    }

    static float[] download(Storage s) {
        return Buffers.download(s);
    }

    static Run train(Backend be, Update rule, int[] sizes) {
        Run r = setUp(be instanceof PrimitivesOnly ? CUDA : be, rule, sizes);
        for (int step = 0; step < 10; step++) be.optimizerStep(rule, r.params, r.grads.get(step), r.state);
        return r;
    }

    static void compare(String what, Run expected, Run actual, double rtol) {
        for (int i = 0; i < expected.params.size(); i++) {
            same(what + " parameter " + i, download(expected.params.get(i)), download(actual.params.get(i)), rtol);
            for (int k = 0; k < expected.state.get(i).length; k++) {
                same(what + " state " + k + " of parameter " + i, download(expected.state.get(i)[k]), download(actual.state.get(i)[k]), rtol);
            }
        }
    }

    static void same(String what, float[] want, float[] got, double rtol) {
        for (int j = 0; j < want.length; j++) {
            boolean ok = rtol == 0 || Float.isNaN(want[j]) ? Float.floatToIntBits(want[j]) == Float.floatToIntBits(got[j])
                    : Math.abs(want[j] - got[j]) <= rtol * Math.abs(want[j]) + 1e-12;
            if (!ok) fail(what + ", element " + j + ": expected " + want[j] + ", cuda " + got[j]);
        }
    }

    @Test
    void everyRuleMatchesTheCpuAndItsReferenceAfterTenSteps() {
        Set<Class<?>> covered = new HashSet<>();
        for (Update rule : rules()) {
            Run fused = train(CUDA, rule, SIZES);
            compare(rule + " against the CPU", train(CPU, rule, SIZES), fused, 1e-6);
            // The composite is a dozen launches per tensor on the emulator: the small sizes show the same rounding.
            int[] small = {1, 3, 31, 33};
            compare(rule + " against its composite", train(new PrimitivesOnly(CUDA), rule, small), train(CUDA, rule, small), 0);
            covered.add(rule.getClass());
        }
        assertEquals(Set.of(Update.class.getPermittedSubclasses()), covered, "a rule without a fused-kernel case");
    }

    @Test
    void aFoundInfFlagSkipsTheWholeStep() {
        Update adam = rules().get(6);
        Run run = setUp(CUDA, adam, SIZES);
        float[] before = download(run.params.get(4));
        float[] moment = download(run.state.get(4)[1]);
        CudaStorage flag = (CudaStorage) CUDA.allocate(DType.I32, 1);
        CUDA.write(flag, 0, new int[] {1}, 0, 1);
        CUDA.optimizerStep(adam, run.params, run.grads.get(0), run.state, flag.address);
        same("parameter after a skipped step", before, download(run.params.get(4)), 0);
        same("second moment after a skipped step", moment, download(run.state.get(4)[1]), 0);
        CUDA.write(flag, 0, new int[] {0}, 0, 1);
        CUDA.optimizerStep(adam, run.params, run.grads.get(0), run.state, flag.address);
        Run cpu = setUp(CPU, adam, SIZES);
        CPU.optimizerStep(adam, cpu.params, cpu.grads.get(0), cpu.state);
        compare("a step with the flag clear", cpu, run, 1e-6);
    }

    @Test
    void aHundredAndFiveTensorsOfMixedSizesInOneLaunch() {
        int[] sizes = new int[105];
        for (int i = 0; i < sizes.length; i++) sizes[i] = SIZES[i % SIZES.length] + i % 7;
        Update adamw = rules().get(7);
        compare("AdamW over 105 tensors", train(CPU, adamw, sizes), train(CUDA, adamw, sizes), 1e-6);
    }
}

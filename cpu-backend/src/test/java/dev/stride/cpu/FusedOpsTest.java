package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.stride.backend.AdamStep;
import dev.stride.backend.Backend;
import dev.stride.backend.Distribution;
import dev.stride.backend.SgdStep;
import dev.stride.backend.Storage;
import dev.stride.backend.View;
import dev.stride.random.Philox;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import dev.stride.testing.PrimitivesOnly;
import dev.stride.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CPU backend's fused overrides against the composite defaults in core, on identical inputs. */
class FusedOpsTest {
    static final CpuBackend CPU = new CpuBackend();
    static final Backend REF = new PrimitivesOnly(CPU);

    private static Storage random(int n, long seed, float lo, float hi) {
        Storage s = CPU.allocate(DType.F32, n);
        CPU.random(Distribution.UNIFORM, seed, 0, lo, hi, s, n);
        return s;
    }

    private static float[] read(Storage s) {
        float[] v = new float[(int) s.numel()];
        CPU.read(s, 0, v, 0, v.length);
        return v;
    }

    private static Storage copy(Storage s) {
        Storage c = CPU.allocate(DType.F32, s.numel());
        CPU.copy(View.contiguous(s, (int) s.numel()), View.contiguous(c, (int) s.numel()));
        return c;
    }

    @Test
    void softmaxCrossEntropyMatchesComposite() {
        int rows = 37;
        int cols = 11;
        Storage logits = random(rows * cols, 5, -8, 8);
        int[] y = new int[rows];
        for (int r = 0; r < rows; r++) y[r] = (r * 7) % cols;
        Storage labels = CPU.allocate(DType.I32, rows);
        CPU.write(labels, 0, y, 0, rows);
        float[][] out = new float[4][];
        Backend[] bs = {CPU, REF};
        for (int i = 0; i < 2; i++) {
            Storage loss = CPU.allocate(DType.F32, rows);
            Storage probs = CPU.allocate(DType.F32, rows * cols);
            bs[i].softmaxCrossEntropy(View.contiguous(logits, rows, cols), labels, loss, probs);
            Storage g = random(rows, 9, 0, 1);
            Storage grad = CPU.allocate(DType.F32, rows * cols);
            bs[i].softmaxCrossEntropyBackward(probs, labels, g, grad, rows, cols);
            out[2 * i] = read(loss);
            out[2 * i + 1] = read(grad);
        }
        new Tolerance(1e-5, 1e-6).check("loss", out[0], out[2]);
        new Tolerance(1e-5, 1e-6).check("grad", out[1], out[3]);
    }

    /** Sizes that are not multiples of 4, an empty parameter, and one larger than a chunk. */
    private static final int[] SIZES = {1, 7, 0, 40_003};

    private static List<Storage> params(long seed) {
        List<Storage> out = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) out.add(random(SIZES[i], seed + i, -1, 1));
        return out;
    }

    private static List<Storage> copies(List<Storage> in) {
        List<Storage> out = new ArrayList<>();
        for (Storage s : in) out.add(copy(s));
        return out;
    }

    @ParameterizedTest
    @CsvSource({"0,false", "0.01,false", "0.1,true"})
    void adamMatchesCompositeOverTenSteps(float wd, boolean decoupled) {
        List<Storage> p1 = params(1);
        List<Storage> p2 = copies(p1);
        List<Storage> m1 = params(10);
        List<Storage> v1 = params(20);
        v1.replaceAll(s -> Tensor.wrap(s, DType.F32, (int) s.numel()).square().storage());
        List<Storage> m2 = copies(m1);
        List<Storage> v2 = copies(v1);
        for (int step = 1; step <= 10; step++) {
            List<Storage> g = params(100L * step);
            AdamStep h = new AdamStep(1e-2f, 0.9f, 0.999f, 1e-8f, wd, decoupled, step);
            CPU.adamStep(p1, g, m1, v1, h);
            REF.adamStep(p2, g, m2, v2, h);
        }
        Tolerance tol = new Tolerance(1e-5, 1e-5);
        for (int i = 0; i < SIZES.length; i++) {
            tol.check("param " + i, read(p1.get(i)), read(p2.get(i)));
            tol.check("m " + i, read(m1.get(i)), read(m2.get(i)));
            tol.check("v " + i, read(v1.get(i)), read(v2.get(i)));
        }
    }

    @ParameterizedTest
    @CsvSource({"0,0,false,0", "0.9,0,false,0.01", "0.9,0,true,0", "0.5,0.3,false,0.1"})
    void sgdMatchesCompositeOverTenSteps(float momentum, float dampening, boolean nesterov, float wd) {
        List<Storage> p1 = params(1);
        List<Storage> p2 = copies(p1);
        List<Storage> b1 = params(50);
        List<Storage> b2 = copies(b1);
        for (int step = 1; step <= 10; step++) {
            List<Storage> g = params(100L * step);
            SgdStep h = new SgdStep(0.05f, momentum, dampening, nesterov, wd, step == 1);
            CPU.sgdStep(p1, g, b1, h);
            REF.sgdStep(p2, g, b2, h);
        }
        for (int i = 0; i < SIZES.length; i++) new Tolerance(1e-5, 1e-6).check("param " + i, read(p1.get(i)), read(p2.get(i)));
    }

    @Test
    void uniformDrawIsPhiloxBitForBit() {
        int n = 10;
        Storage s = CPU.allocate(DType.F32, n);
        CPU.random(Distribution.UNIFORM, 123, 77, 0, 1, s, n);
        float[] expected = new float[n];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.words(123, 77, i / 4, w);
            expected[i] = Philox.uniform(w[i % 4]);
        }
        assertArrayEquals(expected, read(s));
    }
}

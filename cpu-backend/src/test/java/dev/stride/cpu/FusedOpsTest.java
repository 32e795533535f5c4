package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.stride.backend.Backend;
import dev.stride.backend.Distribution;
import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import dev.stride.backend.View;
import dev.stride.random.Philox;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import dev.stride.testing.PrimitivesOnly;
import dev.stride.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
        // Rows with a NaN (all its outputs NaN), +∞, only −∞, signed zeros as the maximum, a NaN in a vector's tail,
        // and a span of 400, which only a shift by the maximum keeps inside exp's range.
        float[] special = read(logits);
        special[3] = Float.NaN;
        special[cols + 4] = Float.POSITIVE_INFINITY;
        for (int c = 0; c < cols; c++) special[2 * cols + c] = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) special[3 * cols + c] = c % 2 == 0 ? -0f : 0f;
        for (int c = 0; c < cols; c++) special[4 * cols + c] = -1f - c;
        special[4 * cols + 4] = -0f;
        special[5 * cols + cols - 1] = Float.NaN;
        for (int c = 0; c < cols; c++) special[6 * cols + c] = 200f - 40f * c;
        CPU.write(logits, 0, special, 0, special.length);
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

    private static double bc(double beta, long t) {
        return 1 - Math.pow(beta, t);
    }

    /** Every rule, as a function of the step (1-based), in the configurations that take different code paths. */
    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("sgd", (LongFunction<Update>) t -> new Update.Sgd(0.05f, 0, 0, false, 0.01f, t == 1)),
                Arguments.of("momentum", (LongFunction<Update>) t -> new Update.Sgd(0.05f, 0.9f, 0, false, 0.01f, t == 1)),
                Arguments.of("nesterov", (LongFunction<Update>) t -> new Update.Sgd(0.05f, 0.9f, 0, true, 0, t == 1)),
                Arguments.of("dampened", (LongFunction<Update>) t -> new Update.Sgd(0.05f, 0.5f, 0.3f, false, 0.1f, t == 1)),
                Arguments.of("adagrad", (LongFunction<Update>) t -> new Update.Adagrad(0.05f / (1 + (t - 1) * 0.01f), 1e-10f, 0.01f)),
                Arguments.of("rmsprop", (LongFunction<Update>) t -> new Update.RmsProp(0.01f, 0.99f, 1e-8f, 0, 0, false)),
                Arguments.of("rmsprop-centered-momentum", (LongFunction<Update>) t -> new Update.RmsProp(0.01f, 0.9f, 1e-8f, 0.01f, 0.9f, true)),
                Arguments.of("adam", (LongFunction<Update>) t -> new Update.Adam(1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, false, false, bc(0.9, t), bc(0.999, t))),
                Arguments.of("adamw", (LongFunction<Update>) t -> new Update.Adam(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, true, false, bc(0.9, t), bc(0.999, t))),
                Arguments.of("amsgrad", (LongFunction<Update>) t -> new Update.Adam(1e-2f, 0.9f, 0.99f, 1e-8f, 0, false, true, bc(0.9, t), bc(0.99, t))),
                Arguments.of("adamax", (LongFunction<Update>) t -> new Update.Adamax(2e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc(0.9, t))),
                Arguments.of("nadam", (LongFunction<Update>) t -> new Update.Nadam(0.9f, 0.999f, 1e-8f, 0.01f, 1e-3 / t, 2e-3 / t, bc(0.999, t))),
                Arguments.of("adadelta", (LongFunction<Update>) t -> new Update.Adadelta(1f, 0.9f, 1e-6f, 0.01f)),
                Arguments.of("radam", (LongFunction<Update>) t -> new Update.RAdam(1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, t % 2 == 0,
                        bc(0.9, t), bc(0.999, t), t <= 5 ? Double.NaN : 0.1 * t)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void optimizerStepMatchesCompositeOverTenSteps(String name, LongFunction<Update> rule) {
        List<Storage> p1 = params(1);
        List<Storage> p2 = copies(p1);
        int slots = rule.apply(1).slots();
        List<Storage[]> s1 = new ArrayList<>();
        List<Storage[]> s2 = new ArrayList<>();
        for (int size : SIZES) {
            Storage[] a = new Storage[slots];
            Storage[] b = new Storage[slots];
            for (int k = 0; k < slots; k++) {
                a[k] = CPU.allocate(DType.F32, size);
                b[k] = CPU.allocate(DType.F32, size);
            }
            s1.add(a);
            s2.add(b);
        }
        for (long step = 1; step <= 10; step++) {
            List<Storage> g = params(100L * step);
            CPU.optimizerStep(rule.apply(step), p1, g, s1);
            REF.optimizerStep(rule.apply(step), p2, g, s2);
        }
        Tolerance tol = new Tolerance(1e-5, 1e-5);
        for (int i = 0; i < SIZES.length; i++) {
            tol.check(name + " param " + i, read(p1.get(i)), read(p2.get(i)));
            for (int k = 0; k < slots; k++) tol.check(name + " state " + i + "." + k, read(s1.get(i)[k]), read(s2.get(i)[k]));
        }
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

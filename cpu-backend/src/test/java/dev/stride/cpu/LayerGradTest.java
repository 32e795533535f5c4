package dev.stride.cpu;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.loss.Loss;
import dev.stride.loss.Reduction;
import dev.stride.nn.Activation;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.BatchNorm;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Dropout;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Maxout;
import dev.stride.nn.Module;
import dev.stride.nn.PReLU;
import dev.stride.nn.Residual;
import dev.stride.nn.Sequential;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Central-difference gradient checks of every layer (inputs and parameters, train and eval), activation and loss. */
class LayerGradTest {
    static final Backend CPU = Backends.get("cpu");
    private final Generator gen = new Generator(21);

    @BeforeAll
    static void cpuDefault() {
        Backends.setDefault(CPU);
    }

    private Tensor rand(float lo, float hi, int... shape) {
        return Tensor.rand(CPU, gen, lo, hi, shape);
    }

    /** Distinct values 0.05 apart in a shuffled order, so max-type ops have no ties within a finite-difference step. */
    private static Tensor distinct(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = ((i * 7919) % n - n / 2f + 0.5f) * 0.05f;
        return Tensor.of(CPU, v, shape);
    }

    /** Checks the input and every parameter of {@code m}, in the module's current mode. */
    private static void checkModule(Module m, Tensor input) {
        checkModule(m, input, 1e-2);
    }

    private static void checkModule(Module m, Tensor input, double eps) {
        Tensor x = input.detach().contiguous().requiresGrad(true);
        List<Tensor> leaves = new ArrayList<>(m.parameters());
        leaves.add(0, x);
        GradCheck.checkInPlace(() -> m.forward(x), eps, 2e-2, 2e-3, leaves.toArray(new Tensor[0]));
    }

    /** A Maxout whose winning piece leads the runner-up by at least 0.01 on {@code x}: no kink within the step. */
    private static Maxout maxoutWithoutTies(Tensor x) {
        for (long seed = 1; ; seed++) {
            Maxout m = new Maxout(3, 2, 4, Init.Scheme.XAVIER_UNIFORM, CPU, new Generator(seed));
            Linear lin = (Linear) m.children().get("linear");
            float[] z = lin.forward(x).toFloatArray();
            double gap = Double.POSITIVE_INFINITY;
            for (int g = 0; g < z.length / 4; g++) {
                float[] piece = java.util.Arrays.copyOfRange(z, g * 4, g * 4 + 4);
                java.util.Arrays.sort(piece);
                gap = Math.min(gap, piece[3] - piece[2]);
            }
            if (gap > 0.01) return m;
        }
    }

    private static void check(Function<Tensor[], Tensor> f, Tensor... in) {
        GradCheck.check(f, in);
    }

    @Test
    void convolutionInputAndWeights() {
        Tensor x = rand(-1, 1, 2, 4, 6, 5);
        for (int[] cfg : new int[][] {{1, 0, 1, 1}, {2, 1, 1, 1}, {1, 2, 2, 1}, {1, 1, 1, 2}}) {
            Tensor w = rand(-0.5f, 0.5f, 6, 4 / cfg[3], 3, 3);
            Tensor b = rand(-0.5f, 0.5f, 6);
            check(t -> dev.stride.nn.Functional.conv2d(t[0], t[1], t[2], cfg[0], cfg[1], cfg[2], cfg[3]), x, w, b);
        }
    }

    @Test
    void pooling() {
        check(t -> dev.stride.nn.Functional.maxPool2d(t[0], 2, 2, 0, 1), distinct(2, 3, 6, 6));
        check(t -> dev.stride.nn.Functional.maxPool2d(t[0], 3, 2, 1, 1), distinct(1, 2, 7, 5));
        check(t -> new AvgPool2d(2).forward(t[0]), rand(-1, 1, 2, 3, 6, 6));
        check(t -> new AvgPool2d(3, 2, 1).forward(t[0]), rand(-1, 1, 1, 2, 7, 5));
        check(t -> new MaxPool2d(2).forward(t[0]), distinct(1, 2, 4, 4));
    }

    @Test
    void batchNormTrainAndEval() {
        BatchNorm bn2 = BatchNorm.batchNorm2d(3);
        Tensor x = rand(-2, 2, 4, 3, 3, 2);
        checkModule(bn2, x);
        bn2.eval();
        checkModule(bn2, x);
        BatchNorm bn1 = BatchNorm.batchNorm1d(5);
        checkModule(bn1, rand(-2, 2, 6, 5));
        bn1.eval();
        checkModule(bn1, rand(-2, 2, 6, 5));
    }

    @Test
    void dropoutTrainAndEval() {
        Generator g = new Generator(5);
        Dropout d = new Dropout(0.3f, g);
        check(t -> {
            g.setOffset(0);
            return d.forward(t[0]);
        }, rand(-1, 1, 4, 9));
        d.eval();
        check(t -> d.forward(t[0]), rand(-1, 1, 4, 9));
    }

    @Test
    void recurrentLayersBackpropagateThroughSixSteps() {
        // Backprop through time over T = 6 steps and two stacked layers, inputs and every weight; the tanh cell and
        // the gated ones are smooth, so central differences hold.
        checkModule(new dev.stride.nn.Rnn(3, 4, 2, false, true, CPU, gen), rand(-1, 1, 2, 6, 3));
        checkModule(new dev.stride.nn.Lstm(3, 4, 2, true, CPU, gen), rand(-1, 1, 2, 6, 3));
        checkModule(new dev.stride.nn.Gru(3, 4, 2, true, CPU, gen), rand(-1, 1, 2, 6, 3));
    }

    @Test
    void linearResidualMaxoutPrelu() {
        Linear lin = new Linear(4, 3, true, Init.Scheme.XAVIER_NORMAL, CPU, gen);
        checkModule(lin, rand(-1, 1, 5, 4));
        Residual res = new Residual(new Sequential(new Linear(4, 4, true, Init.Scheme.HE_NORMAL, CPU, gen), Activation.tanh()));
        checkModule(res, rand(-1, 1, 3, 4));
        Residual proj = new Residual(new Linear(4, 2, true, Init.Scheme.HE_NORMAL, CPU, gen),
                new Linear(4, 2, false, Init.Scheme.LECUN_NORMAL, CPU, gen));
        checkModule(proj, rand(-1, 1, 3, 4));
        // A smaller step keeps the perturbation from switching the winning piece.
        checkModule(maxoutWithoutTies(distinct(5, 3)), distinct(5, 3), 1e-3);
        checkModule(new PReLU(1, 0.25f), distinct(3, 4));
        checkModule(new PReLU(3, 0.1f), distinct(2, 3, 2, 2));
    }

    @Test
    void activations() {
        Tensor x = distinct(4, 6);
        for (Activation a : List.of(Activation.leakyRelu(0.1f), Activation.elu(1.2f), Activation.gelu(false),
                Activation.gelu(true), Activation.hardTanh(-0.5f, 0.7f), Activation.softmax(1), Activation.logSoftmax(1),
                Activation.relu(), Activation.sigmoid(), Activation.tanh())) {
            check(t -> a.forward(t[0]), x);
        }
    }

    @Test
    void losses() {
        Tensor logits = rand(-2, 2, 5, 4);
        Tensor labels = Tensor.ofInts(CPU, new int[] {0, 3, 1, 1, 2}, 5);
        Tensor probs = rand(0.1f, 1, 5, 4).softmax(1).detach();
        Tensor signs = Tensor.of(CPU, new float[] {1, -1, 1, 1, -1, -1, 1, -1, 1, 1}, 5, 2);
        Tensor p = rand(0.2f, 0.8f, 5, 2);
        Tensor t = rand(0.1f, 0.9f, 5, 2);
        for (Reduction r : Reduction.values()) {
            check(x -> Loss.crossEntropy(x[0], labels, 0.1f, r), logits);
            check(x -> Loss.crossEntropySoft(x[0], probs, 0.2f, r), logits);
            check(x -> Loss.binaryCrossEntropyWithLogits(x[0], t, r), logits.slice(1, 0, 2).contiguous().detach());
            check(x -> Loss.binaryCrossEntropy(x[0], t, r), p);
            check(x -> Loss.hinge(x[0], signs, r), distinct(5, 2).mul(3f).detach());
            check(x -> Loss.squaredHinge(x[0], signs, r), distinct(5, 2).mul(3f).detach());
            check(x -> Loss.multiClassHinge(x[0], labels, 1f, r), distinct(5, 4).mul(3f).detach());
            check(x -> Loss.mse(x[0], t, r), p);
            // Odd multiples of 0.025 against zero keep |d| off the kinks at 0 and at delta.
            Tensor zero = Tensor.zeros(CPU, 5, 2);
            check(x -> Loss.mae(x[0], zero, r), distinct(5, 2).detach());
            check(x -> Loss.huber(x[0], zero, 0.3f, r), distinct(5, 2).mul(3f).detach());
            check(x -> Loss.klDivergence(x[0].logSoftmax(1), probs, r), logits);
            check(x -> Loss.poisson(x[0], t, r), logits.slice(1, 0, 2).contiguous().detach());
            check(x -> Loss.cosineProximity(x[0], t, r), p);
            check(x -> Loss.msle(x[0], t, r), p);
            check(x -> Loss.mape(x[0], t, r), p);
        }
        check(x -> Loss.l1(List.of(x[0]), 0.3f).add(Loss.l2(List.of(x[1]), 0.2f)), distinct(3, 2), rand(-1, 1, 4));
    }
}

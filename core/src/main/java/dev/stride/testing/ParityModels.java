package dev.stride.testing;

import static dev.stride.testing.ParityPrimitives.SUMS;
import static dev.stride.testing.ParityPrimitives.SUMS_WHY;
import static dev.stride.testing.ParityPrimitives.values;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.loss.Loss;
import dev.stride.loss.Reduction;
import dev.stride.nn.Activation;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.BatchNorm;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Dropout;
import dev.stride.nn.Flatten;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Parity cases for every layer (forward and backward, training and evaluation mode: output, input gradient,
 * parameter gradients, buffers), every activation and every loss with each reduction. Layers are built on the CPU
 * from fixed seeds and moved to the backend under test, so both sides start from the same weights.
 */
final class ParityModels {
    private ParityModels() {}

    /** A layer case: the module, its input shape, and the value scale of its input. */
    private static Parity.Case layer(String name, Supplier<Module> build, int[] shape, boolean training) {
        String mode = training ? "training" : "evaluation";
        return new Parity.Case("layer " + name + " " + mode, "layer", SUMS, SUMS_WHY + " in GEMMs and statistics", be -> {
            Module m = build.get();
            m.to(be);
            if (training) m.train();
            else m.eval();
            int n = 1;
            for (int d : shape) n *= d;
            Tensor x = Tensor.of(be, kinks(n, name.length()), shape).requiresGrad(true);
            Tensor y = m.forward(x);
            Tensor dy = Tensor.of(be, values((int) y.numel(), 99, -1, 1), y.shape());
            y.mul(dy).sum().backward();
            Map<String, float[]> out = new LinkedHashMap<>();
            out.put("out", y.toFloatArray());
            out.put("input gradient", x.grad().toFloatArray());
            m.namedParameters().forEach((k, p) -> {
                if (p.grad() != null) out.put(k + " gradient", p.grad().toFloatArray());
            });
            m.stateDict().forEach((k, t) -> out.put(k, t.dtype() == dev.stride.tensor.DType.F32 ? t.toFloatArray() : ParityPrimitives.down(t.storage())));
            return out;
        });
    }

    /** Values on [-3, 3) with the kinks of the activations first: 0, -0, 1, -1 (no infinities: they would make
     * every gradient NaN on both sides and hide a difference). */
    static float[] kinks(int n, long seed) {
        float[] v = values(n, seed, -3, 3);
        float[] k = {0f, -0f, 1f, -1f};
        System.arraycopy(k, 0, v, 0, Math.min(k.length, n));
        return v;
    }

    private static Generator gen(String name) {
        return new Generator(name.hashCode());
    }

    /** Layers are built on the CPU (looked up when a case runs, so listing the catalog needs no backend). */
    private static Backend cpu() {
        return Backends.get("cpu");
    }

    static List<Parity.Case> cases() {
        Init.Scheme init = Init.Scheme.PYTORCH_DEFAULT;
        Map<String, Supplier<Module>> layers = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        layers.put("Linear", () -> new Linear(7, 5, true, init, cpu(), gen("Linear")));
        shapes.put("Linear", new int[] {3, 7});
        layers.put("Conv2d", () -> new Conv2d(4, 6, 3, 2, 1, 2, 2, true, init, cpu(), gen("Conv2d")));
        shapes.put("Conv2d", new int[] {2, 4, 9, 7});
        layers.put("MaxPool2d", () -> new MaxPool2d(3, 2, 1, 1));
        shapes.put("MaxPool2d", new int[] {2, 3, 7, 9});
        layers.put("AvgPool2d", () -> new AvgPool2d(2, 2, 1));
        shapes.put("AvgPool2d", new int[] {2, 3, 7, 9});
        layers.put("Flatten", Flatten::new);
        shapes.put("Flatten", new int[] {2, 3, 5});
        layers.put("BatchNorm 1d", () -> BatchNorm.batchNorm1d(5, 0.1f, 1e-5f, cpu()));
        shapes.put("BatchNorm 1d", new int[] {7, 5});
        layers.put("BatchNorm 2d", () -> BatchNorm.batchNorm2d(3, 0.1f, 1e-5f, cpu()));
        shapes.put("BatchNorm 2d", new int[] {3, 3, 5, 7});
        layers.put("Dropout", () -> new Dropout(0.3f, gen("Dropout")));
        shapes.put("Dropout", new int[] {5, 33});
        layers.put("Residual", () -> new Residual(new Linear(6, 6, true, init, cpu(), gen("Residual")), new Linear(6, 6, false, init, cpu(), gen("proj"))));
        shapes.put("Residual", new int[] {3, 6});
        layers.put("Maxout", () -> new Maxout(6, 4, 3, init, cpu(), gen("Maxout")));
        shapes.put("Maxout", new int[] {5, 6});
        layers.put("PReLU", () -> new PReLU(3, 0.25f).to(cpu()));
        shapes.put("PReLU", new int[] {2, 3, 4});
        layers.put("Rbm", () -> new dev.stride.nn.Rbm(7, 5, dev.stride.nn.Rbm.Visible.BERNOULLI, cpu(), gen("Rbm")));
        shapes.put("Rbm", new int[] {4, 7});
        layers.put("Rnn", () -> new dev.stride.nn.Rnn(3, 4, 2, true, true, cpu(), gen("Rnn")));
        shapes.put("Rnn", new int[] {2, 5, 3});
        layers.put("Lstm", () -> new dev.stride.nn.Lstm(3, 4, 2, true, cpu(), gen("Lstm")));
        shapes.put("Lstm", new int[] {2, 5, 3});
        layers.put("Gru", () -> new dev.stride.nn.Gru(3, 4, 1, true, cpu(), gen("Gru")));
        shapes.put("Gru", new int[] {2, 5, 3});
        layers.put("LastStep", dev.stride.nn.LastStep::new);
        shapes.put("LastStep", new int[] {2, 5, 3});
        layers.put("Reshape", () -> new dev.stride.nn.Reshape(5, 3));
        shapes.put("Reshape", new int[] {2, 15});
        layers.put("Sequential", () -> new Sequential(new Flatten(), new Linear(12, 8, true, init, cpu(), gen("Sequential")),
                Activation.relu(), new Linear(8, 3, true, init, cpu(), gen("Sequential2"))));
        shapes.put("Sequential", new int[] {4, 3, 4});
        List<Parity.Case> c = new ArrayList<>();
        layers.forEach((name, build) -> {
            c.add(layer(name, build, shapes.get(name), true));
            c.add(layer(name, build, shapes.get(name), false));
        });
        Map<String, Supplier<Module>> activations = new LinkedHashMap<>();
        activations.put("relu", Activation::relu);
        activations.put("sigmoid", Activation::sigmoid);
        activations.put("tanh", Activation::tanh);
        activations.put("leakyRelu", () -> Activation.leakyRelu(0.1f));
        activations.put("elu", () -> Activation.elu(1f));
        activations.put("gelu", () -> Activation.gelu(false));
        activations.put("gelu tanh", () -> Activation.gelu(true));
        activations.put("hardTanh", () -> Activation.hardTanh(-1, 1));
        activations.put("softmax", () -> Activation.softmax(1));
        activations.put("logSoftmax", () -> Activation.logSoftmax(1));
        activations.forEach((name, build) -> c.add(layer("Activation " + name, build, new int[] {3, 11}, true)));
        c.addAll(losses());
        return c;
    }

    /** Inputs a loss takes: (prediction on the backend, target on the backend). */
    private record LossInputs(Function<Backend, Tensor> prediction, Function<Backend, Tensor> target) {}

    private static Function<Backend, Tensor> floats(long seed, float lo, float hi, int... shape) {
        return be -> {
            int n = 1;
            for (int d : shape) n *= d;
            return Tensor.of(be, values(n, seed, lo, hi), shape);
        };
    }

    private static Function<Backend, Tensor> labels(int... y) {
        return be -> Tensor.ofInts(be, y, y.length);
    }

    static List<Parity.Case> losses() {
        Map<String, BiFunction<Tensor, Tensor, Function<Reduction, Tensor>>> fns = new LinkedHashMap<>();
        Map<String, LossInputs> inputs = new LinkedHashMap<>();
        Function<Backend, Tensor> scores = floats(31, -3, 3, 5, 7);
        Function<Backend, Tensor> probs = floats(32, 0.05f, 0.95f, 5, 7);
        Function<Backend, Tensor> signs = be -> Tensor.of(be, values(35, 33, -1, 1), 5, 7).gt(0f).mul(2f).sub(1f);
        fns.put("crossEntropy", (p, t) -> r -> Loss.crossEntropy(p, t, 0.1f, r));
        inputs.put("crossEntropy", new LossInputs(scores, labels(0, 6, 3, 3, 1)));
        fns.put("crossEntropy weighted", (p, t) -> r -> Loss.crossEntropy(p, t,
                Tensor.of(p.backend(), new float[] {1, 2, 0.5f, 1.5f, 1, 0.25f, 3}, 7), -100, 0.1f, r));
        inputs.put("crossEntropy weighted", new LossInputs(scores, labels(0, -100, 3, 6, 1)));
        fns.put("crossEntropySoft", (p, t) -> r -> Loss.crossEntropySoft(p, t, 0f, r));
        inputs.put("crossEntropySoft", new LossInputs(scores, be -> probs.apply(be).softmax(1)));
        fns.put("binaryCrossEntropyWithLogits", (p, t) -> r -> Loss.binaryCrossEntropyWithLogits(p, t, r));
        inputs.put("binaryCrossEntropyWithLogits", new LossInputs(scores, probs));
        fns.put("binaryCrossEntropy", (p, t) -> r -> Loss.binaryCrossEntropy(p, t, r));
        inputs.put("binaryCrossEntropy", new LossInputs(probs, floats(34, 0, 1, 5, 7)));
        fns.put("hinge", (p, t) -> r -> Loss.hinge(p, t, r));
        inputs.put("hinge", new LossInputs(scores, signs));
        fns.put("squaredHinge", (p, t) -> r -> Loss.squaredHinge(p, t, r));
        inputs.put("squaredHinge", new LossInputs(scores, signs));
        fns.put("multiClassHinge", (p, t) -> r -> Loss.multiClassHinge(p, t, 1f, r));
        inputs.put("multiClassHinge", new LossInputs(scores, labels(0, 6, 3, 3, 1)));
        fns.put("multiMargin", (p, t) -> r -> Loss.multiMargin(p, t, 2, 0.5f,
                Tensor.of(p.backend(), new float[] {1, 2, 0.5f, 1.5f, 1, 0.25f, 3}, 7), r));
        inputs.put("multiMargin", new LossInputs(scores, labels(0, 6, 3, 3, 1)));
        fns.put("hingeEmbedding", (p, t) -> r -> Loss.hingeEmbedding(p, t, 1.5f, r));
        inputs.put("hingeEmbedding", new LossInputs(scores, signs));
        fns.put("cosineEmbedding", (p, t) -> r -> Loss.cosineEmbedding(p, t,
                Tensor.of(p.backend(), new float[] {1, -1, -1, 1, -1}, 5), 0.2f, r));
        inputs.put("cosineEmbedding", new LossInputs(scores, floats(43, -3, 3, 5, 7)));
        fns.put("poissonNll", (p, t) -> r -> Loss.poissonNll(p, t, false, true, 1e-8f, r));
        inputs.put("poissonNll", new LossInputs(probs, floats(44, 0, 4, 5, 7)));
        fns.put("mse", (p, t) -> r -> Loss.mse(p, t, r));
        inputs.put("mse", new LossInputs(scores, floats(35, -3, 3, 5, 7)));
        fns.put("mae", (p, t) -> r -> Loss.mae(p, t, r));
        inputs.put("mae", new LossInputs(scores, floats(36, -3, 3, 5, 7)));
        fns.put("huber", (p, t) -> r -> Loss.huber(p, t, 1f, r));
        inputs.put("huber", new LossInputs(scores, floats(37, -3, 3, 5, 7)));
        fns.put("klDivergence", (p, t) -> r -> Loss.klDivergence(p, t, r));
        inputs.put("klDivergence", new LossInputs(be -> scores.apply(be).logSoftmax(1), be -> probs.apply(be).softmax(1)));
        fns.put("poisson", (p, t) -> r -> Loss.poisson(p, t, r));
        inputs.put("poisson", new LossInputs(scores, floats(38, 0, 4, 5, 7)));
        fns.put("cosineProximity", (p, t) -> r -> Loss.cosineProximity(p, t, r));
        inputs.put("cosineProximity", new LossInputs(scores, floats(39, -3, 3, 5, 7)));
        fns.put("msle", (p, t) -> r -> Loss.msle(p, t, r));
        inputs.put("msle", new LossInputs(probs, floats(40, 0, 3, 5, 7)));
        fns.put("mape", (p, t) -> r -> Loss.mape(p, t, r));
        inputs.put("mape", new LossInputs(scores, floats(41, 0.5f, 3, 5, 7)));
        List<Parity.Case> c = new ArrayList<>();
        fns.forEach((name, f) -> {
            for (Reduction r : Reduction.values()) {
                c.add(new Parity.Case("loss " + name + " " + r, "loss", SUMS, SUMS_WHY, be -> {
                    LossInputs in = inputs.get(name);
                    Tensor p = in.prediction.apply(be).detach().requiresGrad(true);
                    Tensor t = in.target.apply(be).detach();
                    Tensor l = f.apply(p, t).apply(r);
                    Tensor dl = Tensor.of(be, values((int) l.numel(), 42, 0.5f, 1.5f), l.shape());
                    l.mul(dl).sum().backward();
                    return ParityPrimitives.out("loss", l.toFloatArray(), "prediction gradient", p.grad().toFloatArray());
                }));
            }
        });
        for (String penalty : new String[] {"l1", "l2"}) {
            c.add(new Parity.Case("loss " + penalty, "loss", be -> {
                Tensor a = Tensor.of(be, kinks(11, 43), 11).requiresGrad(true);
                Tensor b = Tensor.of(be, values(6, 44, -1, 1), 2, 3).requiresGrad(true);
                Tensor l = penalty.equals("l1") ? Loss.l1(List.of(a, b), 0.1f) : Loss.l2(List.of(a, b), 0.2f);
                l.backward();
                return ParityPrimitives.out("penalty", l.toFloatArray(), "a gradient", a.grad().toFloatArray(),
                        "b gradient", b.grad().toFloatArray());
            }));
        }
        return c;
    }

}

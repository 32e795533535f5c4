package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stride.loss.Loss;
import dev.stride.loss.Reduction;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Tolerance;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The layer, loss, schedule, init, optimizer and checkpoint options a PyTorch user ports, against PyTorch's own
 * values: the committed pytorch_api.py computes them (float64 from float32 inputs) into pytorch-api.json.
 */
class PyTorchApiTest {
    static final CpuBackend CPU = new CpuBackend();
    static final Tolerance T = Tolerance.F32;

    static JsonObject fixture() throws IOException {
        try (InputStream in = PyTorchApiTest.class.getResourceAsStream("pytorch-api.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    /** The shape of a nested JSON list; a number is a scalar of shape []. */
    static int[] shape(JsonElement e) {
        List<Integer> dims = new ArrayList<>();
        while (e.isJsonArray()) {
            dims.add(e.getAsJsonArray().size());
            if (e.getAsJsonArray().isEmpty()) break;
            e = e.getAsJsonArray().get(0);
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    static Tensor tensor(JsonElement e) {
        return Tensor.of(CPU, SpecialPointsTest.flat(e), shape(e));
    }

    static Tensor leaf(JsonElement e) {
        return tensor(e).requiresGrad(true);
    }

    static Tensor optional(JsonObject c, String key) {
        return c.get(key) == null || c.get(key).isJsonNull() ? null : tensor(c.get(key));
    }

    static Tensor labels(JsonElement e) {
        float[] f = SpecialPointsTest.flat(e);
        int[] v = new int[f.length];
        for (int i = 0; i < v.length; i++) v[i] = (int) f[i];
        return Tensor.ofInts(CPU, v, v.length);
    }

    static Reduction reduction(JsonObject c) {
        return Reduction.valueOf(c.get("reduction").getAsString().toUpperCase(Locale.ROOT));
    }

    static void check(String what, Tensor actual, JsonElement expected) {
        T.check(what, actual.toFloatArray(), SpecialPointsTest.flat(expected));
    }

    /** Backpropagates {@code Σ out·upstream}, the weights the fixture used. */
    static void backward(Tensor out, JsonObject c) {
        out.mul(Tensor.of(CPU, SpecialPointsTest.flat(c.get("upstream")), out.shape())).sum().backward();
    }

    @Test
    void lossesMatchPyTorchWithEveryOption() throws IOException {
        int checked = 0;
        for (JsonElement e : fixture().getAsJsonArray("losses")) {
            JsonObject c = e.getAsJsonObject();
            String what = c.get("name").getAsString() + " " + c;
            what = what.substring(0, Math.min(what.length(), 160));
            Reduction r = reduction(c);
            Tensor x = leaf(c.has("input") ? c.get("input") : c.get("a"));
            Tensor other = null;
            Tensor loss = switch (c.get("name").getAsString()) {
                case "crossEntropy" -> Loss.crossEntropy(x, labels(c.get("labels")), optional(c, "weight"),
                        c.get("ignore_index").getAsInt(), c.get("smoothing").getAsFloat(), r);
                case "bceWithLogits" -> {
                    other = leaf(c.get("target"));
                    yield Loss.binaryCrossEntropyWithLogits(x, other, optional(c, "weight"), optional(c, "pos_weight"), r);
                }
                case "multiMargin" -> Loss.multiMargin(x, labels(c.get("labels")), c.get("p").getAsInt(),
                        c.get("margin").getAsFloat(), optional(c, "weight"), r);
                case "hingeEmbedding" -> Loss.hingeEmbedding(x, tensor(c.get("target")), c.get("margin").getAsFloat(), r);
                case "cosineEmbedding" -> {
                    other = leaf(c.get("b"));
                    yield Loss.cosineEmbedding(x, other, tensor(c.get("target")), c.get("margin").getAsFloat(), r);
                }
                case "poissonNll" -> Loss.poissonNll(x, tensor(c.get("target")), c.get("log_input").getAsBoolean(),
                        c.get("full").getAsBoolean(), 1e-8f, r);
                case "klDivergence" -> Loss.klDivergence(x, tensor(c.get("target")), c.get("log_target").getAsBoolean(), r);
                default -> throw new AssertionError("no Stride loss for " + what);
            };
            check(what + " value", loss, c.get("value"));
            backward(loss, c);
            check(what + " input gradient", x.grad(), c.has("grad_input") ? c.get("grad_input") : c.get("grad_a"));
            if (c.has("grad_target")) check(what + " target gradient", other.grad(), c.get("grad_target"));
            if (c.has("grad_b")) check(what + " second input gradient", other.grad(), c.get("grad_b"));
            checked++;
        }
        assertEquals(62, checked);
    }

    static int[] ints(JsonObject c, String key) {
        return new com.google.gson.Gson().fromJson(c.get(key), int[].class);
    }

    @Test
    void layersMatchPyTorchWithPerAxisWindowsCeilModeAndPadding() throws IOException {
        int checked = 0;
        for (JsonElement e : fixture().getAsJsonArray("layers")) {
            JsonObject c = e.getAsJsonObject();
            String name = c.get("name").getAsString();
            String what = name + " " + c.entrySet().stream().filter(m -> m.getValue().isJsonPrimitive()
                    || m.getKey().equals("kernel") || m.getKey().equals("stride") || m.getKey().equals("padding")
                    || m.getKey().equals("dilation")).map(m -> m.getKey() + "=" + m.getValue()).toList();
            if (name.equals("batchNorm")) {
                Float momentum = c.get("momentum").isJsonNull() ? null : c.get("momentum").getAsFloat();
                dev.stride.nn.BatchNorm bn = dev.stride.nn.BatchNorm.batchNorm1d(3, momentum, 1e-5f, CPU);
                for (JsonElement b : c.getAsJsonArray("batches")) bn.forward(tensor(b));
                bn.eval();
                check(what + " running mean", bn.runningMean(), c.get("running_mean"));
                check(what + " running variance", bn.runningVar(), c.get("running_var"));
                assertEquals(c.get("num_batches_tracked").getAsInt(), bn.numBatchesTracked().toIntArray()[0], what);
                check(what + " evaluation output", bn.forward(tensor(c.get("probe"))), c.get("value"));
                checked++;
                continue;
            }
            Tensor x = leaf(c.get("input"));
            Tensor w = null;
            Tensor b = null;
            Tensor y;
            switch (name) {
                case "conv2d" -> {
                    w = leaf(c.get("weight"));
                    b = leaf(c.get("bias"));
                    y = dev.stride.nn.Functional.conv2d(x, w, b, ints(c, "stride"), ints(c, "padding"), ints(c, "dilation"),
                            c.get("groups").getAsInt());
                }
                case "maxPool2d" -> {
                    var pooled = new dev.stride.nn.MaxPool2d(ints(c, "kernel"), ints(c, "stride"), ints(c, "padding"),
                            ints(c, "dilation"), c.get("ceil_mode").getAsBoolean()).forwardWithIndices(x);
                    y = pooled.values();
                    assertEquals(dev.stride.tensor.DType.I32, pooled.indices().dtype());
                    float[] want = SpecialPointsTest.flat(c.get("indices"));
                    int[] got = pooled.indices().toIntArray();
                    for (int i = 0; i < want.length; i++) assertEquals((int) want[i], got[i], what + " index " + i);
                }
                case "avgPool2d" -> y = new dev.stride.nn.AvgPool2d(ints(c, "kernel"), ints(c, "stride"), ints(c, "padding"),
                        c.get("ceil_mode").getAsBoolean(), c.get("count_include_pad").getAsBoolean()).forward(x);
                default -> throw new AssertionError("no Stride layer for " + what);
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(shape(c.get("value")), y.shape(), what + " output shape");
            check(what + " value", y, c.get("value"));
            backward(y, c);
            check(what + " input gradient", x.grad(), c.get("grad_input"));
            if (w != null) check(what + " weight gradient", w.grad(), c.get("grad_weight"));
            if (b != null) check(what + " bias gradient", b.grad(), c.get("grad_bias"));
            checked++;
        }
        assertEquals(13, checked);
    }

    static java.nio.file.Path resource(String name) throws Exception {
        return java.nio.file.Path.of(PyTorchApiTest.class.getResource(name).toURI());
    }

    @Test
    void safetensorsOfEveryPyTorchDtypeLoadConverted() throws Exception {
        var contents = dev.stride.io.SafeTensors.load(resource("pytorch-dtypes.safetensors"), CPU);
        JsonObject want = fixture().getAsJsonObject("dtypes");
        assertEquals(want.keySet(), contents.tensors().keySet());
        for (String name : want.keySet()) {
            JsonObject w = want.getAsJsonObject(name);
            Tensor t = contents.tensors().get(name);
            assertEquals(dev.stride.tensor.DType.valueOf(w.get("stride_dtype").getAsString()), t.dtype(), name);
            org.junit.jupiter.api.Assertions.assertArrayEquals(ints(w, "shape"), t.shape(), name);
            float[] expected = SpecialPointsTest.flat(w.get("values"));
            if (t.dtype() == dev.stride.tensor.DType.F32) {
                float[] got = t.toFloatArray();
                // Bit-exact: a widening conversion has one right answer, -0 and subnormals included.
                for (int i = 0; i < got.length; i++) {
                    assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]), name + " element " + i
                            + ": " + got[i] + " vs " + expected[i]);
                }
            } else {
                int[] got = t.toIntArray();
                for (int i = 0; i < got.length; i++) assertEquals((long) w.getAsJsonArray("values").get(i).getAsLong(), got[i], name + " " + i);
            }
        }
        assertEquals("pt", contents.metadata().get("format"));
    }

    @Test
    void anI64BeyondI32IsNamedNotCalledCorrupt() throws Exception {
        var file = resource("pytorch-i64-overflow.safetensors");
        var e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> dev.stride.io.SafeTensors.load(file, CPU));
        assertEquals(file + ": tensor 'step' (I64) holds 1099511627776 at element 1, which does not fit in Stride's I32",
                e.getMessage());
    }

    static dev.stride.nn.Sequential mlpWithBatchNorm() {
        var gen = new dev.stride.random.Generator(0);
        return new dev.stride.nn.Sequential(
                new dev.stride.nn.Linear(6, 5, true, dev.stride.nn.Init.Scheme.PYTORCH_DEFAULT, CPU, gen),
                dev.stride.nn.BatchNorm.batchNorm1d(5, 0.1f, 1e-5f, CPU), dev.stride.nn.Activation.relu(),
                new dev.stride.nn.Linear(5, 3, true, dev.stride.nn.Init.Scheme.PYTORCH_DEFAULT, CPU, gen));
    }

    @Test
    void aPyTorchStateDictWithBatchNormGivesPyTorchsLogits() throws Exception {
        var contents = dev.stride.io.SafeTensors.load(resource("pytorch-mlp-bn.safetensors"), CPU).tensors();
        java.util.function.UnaryOperator<String> dropPrefix = k -> k.startsWith("net.") ? k.substring(4) : k;
        var strict = mlpWithBatchNorm();
        var before = strict.stateDict().get("0.weight").toFloatArray();
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> strict.loadStateDict(contents, true, dropPrefix));
        assertEquals("loadStateDict: unexpected tensor 'optimizer_note'", e.getMessage());
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, strict.stateDict().get("0.weight").toFloatArray(),
                "a refused load writes nothing");

        var net = mlpWithBatchNorm();
        var result = net.loadStateDict(contents, false, dropPrefix);
        assertEquals(List.of(), result.missingKeys());
        assertEquals(List.of("optimizer_note"), result.unexpectedKeys());
        net.eval();
        JsonObject want = fixture().getAsJsonObject("mlp_bn");
        check("logits of PyTorch's MLP with batch norm", net.forward(tensor(want.get("probe"))), want.get("logits"));

        var bn = (dev.stride.nn.BatchNorm) net.children().get("1");
        assertEquals(want.get("num_batches_tracked").getAsInt(), bn.numBatchesTracked().toIntArray()[0]);
        net.train();
        net.forward(tensor(want.get("probe")));
        assertEquals(want.get("num_batches_tracked").getAsInt() + 1, bn.numBatchesTracked().toIntArray()[0],
                "training counts on from the loaded num_batches_tracked");

        var partial = mlpWithBatchNorm();
        var dropped = partial.loadStateDict(contents, false, k -> k.startsWith("net.3.") ? null : dropPrefix.apply(k));
        assertEquals(List.of("3.weight", "3.bias"), dropped.missingKeys());
    }

    static double[] doubles(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsDouble();
        return v;
    }

    @Test
    void schedulesGivePyTorchsRatesAndMomenta() throws IOException {
        int checked = 0;
        for (JsonElement e : fixture().getAsJsonArray("schedules")) {
            JsonObject c = e.getAsJsonObject();
            JsonObject p = c.getAsJsonObject("params");
            double[] lr = doubles(c.get("lr"));
            double[] momentum = doubles(c.get("momentum"));
            int n = lr.length;
            dev.stride.optim.schedule.Schedule s;
            dev.stride.optim.schedule.Schedule m = null;
            switch (c.get("name").getAsString()) {
                case "linear", "linear down" -> s = dev.stride.optim.schedule.Schedule.linear(p.get("start").getAsDouble(),
                        p.get("end").getAsDouble(), p.get("total").getAsLong());
                case "sequential" -> s = dev.stride.optim.schedule.Schedule.sequential(List.of(
                        dev.stride.optim.schedule.Schedule.linear(0.1, 1, 3), dev.stride.optim.schedule.Schedule.exponential(0.8)),
                        new long[] {3});
                case "sequential3" -> s = dev.stride.optim.schedule.Schedule.sequential(List.of(
                        dev.stride.optim.schedule.Schedule.sequential(List.of(dev.stride.optim.schedule.Schedule.linear(0.5, 0.5, 2),
                                dev.stride.optim.schedule.Schedule.constant()), new long[] {2}),
                        dev.stride.optim.schedule.Schedule.step(2, 0.5), dev.stride.optim.schedule.Schedule.linear(0.5, 1, 3)),
                        new long[] {2, 6});
                case "chained" -> s = dev.stride.optim.schedule.Schedule.chained(dev.stride.optim.schedule.Schedule.step(3, 0.5),
                        dev.stride.optim.schedule.Schedule.exponential(0.9), dev.stride.optim.schedule.Schedule.linear(0.2, 1, 4));
                case "oneCycle" -> {
                    var anneal = dev.stride.optim.schedule.Schedule.Anneal.valueOf(p.get("anneal").getAsString().toUpperCase(Locale.ROOT));
                    boolean three = p.get("three_phase").getAsBoolean();
                    s = dev.stride.optim.schedule.Schedule.oneCycle(1.0, 20, 0.25, 10, 100, anneal, three);
                    m = dev.stride.optim.schedule.Schedule.oneCycleMomentum(0.8, 0.95, 20, 0.25, anneal, three);
                }
                case "cyclic" -> {
                    var mode = dev.stride.optim.schedule.Schedule.CyclicMode.valueOf(p.get("mode").getAsString().toUpperCase(Locale.ROOT));
                    s = dev.stride.optim.schedule.Schedule.cyclic(1.0, 3, 5, mode, 0.9);
                    m = dev.stride.optim.schedule.Schedule.cyclicMomentum(0.8, 0.9, 3, 5, mode, 0.9);
                }
                default -> throw new AssertionError("no Stride schedule for " + c.get("name"));
            }
            for (int t = 0; t < n; t++) {
                assertEquals(lr[t], s.lr(0.1, t), 1e-12 + 1e-9 * lr[t], c.get("name") + " " + p + " rate at " + t);
                if (m != null) assertEquals(momentum[t], m.lr(Double.NaN, t), 1e-12, c.get("name") + " " + p + " momentum at " + t);
            }
            checked++;
        }
        assertEquals(16, checked);
    }

    @Test
    void reduceOnPlateauWithEveryOptionFollowsPyTorch() throws IOException {
        for (JsonElement e : fixture().getAsJsonArray("plateau")) {
            JsonObject c = e.getAsJsonObject();
            Tensor a = Tensor.zeros(CPU, 1).requiresGrad(true);
            Tensor b = Tensor.zeros(CPU, 1).requiresGrad(true);
            var opt = dev.stride.optim.Sgd.options().lr(0.1f).buildGroups(List.of(
                    dev.stride.optim.ParamGroup.of(List.of(a)), dev.stride.optim.ParamGroup.of(List.of(b)).lr(0.01f)));
            var plateau = new dev.stride.optim.schedule.ReduceOnPlateau(
                    dev.stride.optim.schedule.ReduceOnPlateau.Mode.valueOf(c.get("mode").getAsString().toUpperCase(Locale.ROOT)),
                    c.get("factor").getAsDouble(), c.get("patience").getAsInt(), c.get("threshold").getAsDouble(),
                    c.get("threshold_mode").getAsString().equals("rel"), c.get("cooldown").getAsInt(), doubles(c.get("min_lr")),
                    c.get("eps").getAsDouble());
            double[] metrics = doubles(c.get("metrics"));
            JsonArray rates = c.getAsJsonArray("rates");
            for (int i = 0; i < metrics.length; i++) {
                plateau.step(metrics[i], opt);
                double[] want = doubles(rates.get(i));
                for (int g = 0; g < 2; g++) {
                    assertEquals(want[g], opt.groups().get(g).lr(), 1e-7 * want[g] + 1e-12, c + ": group " + g + " after metric " + i);
                }
            }
        }
    }

    static dev.stride.optim.Optimizer optimizer(String kind, JsonObject h, List<Tensor> params) {
        java.util.function.BiFunction<String, Float, Float> f = (k, d) -> h.has(k) ? h.get(k).getAsFloat() : d;
        java.util.function.Predicate<String> on = k -> h.has(k) && h.get(k).getAsBoolean();
        return switch (kind) {
            case "sgd" -> dev.stride.optim.Sgd.options().lr(f.apply("lr", 0.1f)).momentum(f.apply("momentum", 0f))
                    .dampening(f.apply("dampening", 0f)).nesterov(on.test("nesterov")).weightDecay(f.apply("weight_decay", 0f)).build(params);
            case "adam", "adamw" -> dev.stride.optim.Adam.options().lr(f.apply("lr", 1e-3f)).amsgrad(on.test("amsgrad"))
                    .decoupled(kind.equals("adamw")).weightDecay(f.apply("weight_decay", kind.equals("adamw") ? 0.01f : 0f)).build(params);
            case "rmsprop" -> dev.stride.optim.RmsProp.options().lr(f.apply("lr", 1e-2f)).momentum(f.apply("momentum", 0f))
                    .centered(on.test("centered")).build(params);
            case "adagrad" -> dev.stride.optim.Adagrad.options().lr(f.apply("lr", 1e-2f)).build(params);
            case "adadelta" -> dev.stride.optim.Adadelta.options().lr(f.apply("lr", 1f)).build(params);
            case "adamax" -> dev.stride.optim.Adamax.options().lr(f.apply("lr", 2e-3f)).build(params);
            case "nadam" -> dev.stride.optim.Nadam.options().lr(f.apply("lr", 2e-3f)).build(params);
            case "radam" -> dev.stride.optim.RAdam.options().lr(f.apply("lr", 1e-3f)).build(params);
            default -> throw new AssertionError(kind);
        };
    }

    @Test
    void optimizersKeepPyTorchsStateNamesAndPerParameterSteps() throws IOException {
        int checked = 0;
        for (JsonElement e : fixture().getAsJsonArray("optimizers")) {
            JsonObject c = e.getAsJsonObject();
            String what = c.get("kind") + " " + c.get("hyper");
            Tensor a = tensor(c.get("p0")).requiresGrad(true);
            Tensor b = tensor(c.get("p1")).requiresGrad(true);
            var opt = optimizer(c.get("kind").getAsString(), c.getAsJsonObject("hyper"), List.of(a, b));
            JsonArray grads = c.getAsJsonArray("grads");
            JsonArray after = c.getAsJsonArray("after");
            for (int s = 0; s < grads.size(); s++) {
                opt.zeroGrad();
                JsonArray g = grads.get(s).getAsJsonArray();
                a.setGrad(tensor(g.get(0)));
                if (!g.get(1).isJsonNull()) b.setGrad(tensor(g.get(1)));
                opt.step();
                check(what + " first parameter after step " + (s + 1), a, after.get(s).getAsJsonArray().get(0));
                check(what + " second parameter after step " + (s + 1), b, after.get(s).getAsJsonArray().get(1));
            }
            JsonObject want = c.getAsJsonObject("state");
            var state = opt.stateTensors();
            // PyTorch keeps SGD's, RMSprop's and Adadelta's step as a plain number and NAdam's mu_product as state;
            // Stride keeps every step as a tensor and derives mu_product from it.
            java.util.Set<String> expected = new java.util.TreeSet<>(want.keySet());
            expected.removeIf(k -> k.endsWith(".mu_product"));
            java.util.Set<String> got = new java.util.TreeSet<>(state.keySet());
            got.removeIf(k -> k.endsWith(".step") && !want.has(k));
            assertEquals(expected, got, what + " state names");
            for (String k : expected) check(what + " state " + k, state.get(k), want.get(k));
            assertEquals(3f, state.get("0.step").item(), what);
            assertEquals(2f, state.get("1.step").item(), what + ": the second parameter had no gradient at step 2");
            checked++;
        }
        assertEquals(13, checked);
    }

    @Test
    void inPlaceInitializersDrawFromPyTorchsDistributions() throws IOException {
        var gen = new dev.stride.random.Generator(11);
        var in = dev.stride.nn.Init.FanMode.FAN_IN;
        var out = dev.stride.nn.Init.FanMode.FAN_OUT;
        int checked = 0;
        for (JsonElement e : fixture().getAsJsonArray("inits")) {
            JsonObject c = e.getAsJsonObject();
            String name = c.get("name").getAsString();
            Tensor w = Tensor.zeros(CPU, ints(c, "shape")).requiresGrad(true);
            Tensor same = switch (name) {
                case "kaimingUniform_ tanh fan_out" -> dev.stride.nn.Init.kaimingUniform_(w, gen, 0, out, "tanh");
                case "kaimingUniform_ leaky_relu 0.2 fan_in" -> dev.stride.nn.Init.kaimingUniform_(w, gen, 0.2, in, "leaky_relu");
                case "kaimingNormal_ relu fan_in" -> dev.stride.nn.Init.kaimingNormal_(w, gen, 0, in, "relu");
                case "kaimingNormal_ selu fan_out" -> dev.stride.nn.Init.kaimingNormal_(w, gen, 0, out, "selu");
                case "xavierUniform_ 2" -> dev.stride.nn.Init.xavierUniform_(w, gen, 2);
                case "xavierNormal_ 0.5" -> dev.stride.nn.Init.xavierNormal_(w, gen, 0.5);
                case "uniform_ -0.3 0.7" -> dev.stride.nn.Init.uniform_(w, gen, -0.3f, 0.7f);
                case "normal_ 0 0.02" -> dev.stride.nn.Init.normal_(w, gen, 0, 0.02f);
                default -> throw new AssertionError("no Stride initializer for " + name);
            };
            org.junit.jupiter.api.Assertions.assertSame(w, same, name + " fills the parameter it is given");
            org.junit.jupiter.api.Assertions.assertTrue(w.requiresGrad() && w.gradFn() == null, name + " stays a leaf");
            float[] v = w.toFloatArray();
            double sum = 0;
            double max = 0;
            for (float x : v) {
                sum += x;
                max = Math.max(max, Math.abs(x));
            }
            double mean = sum / v.length;
            double sq = 0;
            for (float x : v) sq += (x - mean) * (x - mean);
            double std = Math.sqrt(sq / (v.length - 1));
            double want = c.get("value").getAsDouble();
            // 2^20 draws: the largest |w| sits within 1e-4 of the bound, the sample std within 1% of PyTorch's.
            if (c.get("kind").getAsString().equals("bound")) assertEquals(want, max, 1e-4 * want, name + " bound");
            else assertEquals(want, std, 0.01 * want, name + " std");
            assertEquals(c.get("mean").getAsDouble(), mean, 0.01 * Math.max(want, 1e-3) + 1e-3 * want, name + " mean");
            checked++;
        }
        assertEquals(8, checked);
    }

    @Test
    void lbfgsIsAnOptimizerThatFollowsPyTorchsIterations() throws IOException {
        int checked = 0;
        for (JsonElement e : fixture().getAsJsonArray("lbfgs")) {
            JsonObject c = e.getAsJsonObject();
            Tensor w = Tensor.of(CPU, new float[] {-1.2f, 1}, 2).requiresGrad(true);
            var options = dev.stride.optim.LBfgs.options().lr(c.get("lr").getAsDouble()).maxIter(c.get("max_iter").getAsInt())
                    .historySize(c.get("history_size").getAsInt()).lineSearch(!c.get("line_search_fn").isJsonNull());
            if (c.has("max_eval")) options.maxEval(c.get("max_eval").getAsInt());
            dev.stride.optim.Optimizer opt = options.build(List.of(w));
            java.util.function.Supplier<Tensor> closure = () -> {
                opt.zeroGrad();
                Tensor x0 = w.slice(0, 0, 1);
                Tensor x1 = w.slice(0, 1, 2);
                Tensor loss = x0.rsub(1f).square().add(x1.sub(x0.square()).square().mul(100f)).sum();
                loss.backward();
                return loss;
            };
            String what = "LBFGS " + c;
            assertEquals(c.get("first_loss").getAsFloat(), opt.step(closure).item(), 1e-5f, what + " first loss");
            assertEquals(c.get("second_loss").getAsDouble(), opt.step(closure).item(), 1e-4 * c.get("second_loss").getAsDouble(),
                    what + " loss before the second step");
            // PyTorch runs the two-loop recursion in float32, Stride in double: over a dozen iterations the paths part by ~1e-4.
            new Tolerance(1e-4, 1e-5).check(what + " parameters", w.toFloatArray(), SpecialPointsTest.flat(c.get("x")));
            var lbfgs = (dev.stride.optim.LBfgs) opt;
            assertEquals(c.get("n_iter").getAsLong(), lbfgs.iterations(), what + " iterations");
            assertEquals(c.get("func_evals").getAsLong(), lbfgs.functionEvaluations(), what + " evaluations");
            checked++;
        }
        assertEquals(3, checked);
    }

    @Test
    void recurrentLayersLoadPyTorchStateDictsAndMatchItsOutputsAndGradients() throws IOException {
        int checked = 0;
        for (JsonElement e : fixture().getAsJsonArray("recurrent")) {
            JsonObject c = e.getAsJsonObject();
            String kind = c.get("kind").getAsString();
            var gen = new dev.stride.random.Generator(0);
            dev.stride.nn.Recurrent layer = switch (kind) {
                case "rnn_tanh" -> new dev.stride.nn.Rnn(3, 4, 2, false, true, CPU, gen);
                case "rnn_relu" -> new dev.stride.nn.Rnn(3, 4, 2, true, true, CPU, gen);
                case "lstm" -> new dev.stride.nn.Lstm(3, 4, 2, true, CPU, gen);
                case "gru" -> new dev.stride.nn.Gru(3, 4, 2, true, CPU, gen);
                default -> throw new AssertionError(kind);
            };
            java.util.Map<String, Tensor> state = new java.util.LinkedHashMap<>();
            for (var s : c.getAsJsonObject("state").entrySet()) state.put(s.getKey(), tensor(s.getValue()));
            layer.loadStateDict(state);
            Tensor x = leaf(c.get("input"));
            Tensor h0 = tensor(c.get("h0"));
            Tensor c0 = kind.equals("lstm") ? tensor(c.get("c0")) : null;
            var r = layer.run(x, h0, c0);
            check(kind + " output", r.output(), c.get("output"));
            check(kind + " last hidden state", r.hidden(), c.get("hn"));
            if (c0 != null) check(kind + " last cell state", r.cell(), c.get("cn"));
            int n = (int) r.output().numel();
            float[] w = new float[n];
            for (int i = 0; i < n; i++) w[i] = (i + 1) / 10f;
            Tensor total = r.output().mul(Tensor.of(CPU, w, r.output().shape())).sum().add(r.hidden().square().sum());
            if (c0 != null) total = total.add(r.cell().sum());
            total.backward();
            check(kind + " input gradient", x.grad(), c.get("grad_input"));
            var params = layer.namedParameters();
            for (var g : c.getAsJsonObject("grads").entrySet()) check(kind + " gradient of " + g.getKey(), params.get(g.getKey()).grad(), g.getValue());
            assertEquals(c.getAsJsonObject("grads").keySet(), params.keySet(), kind + ": PyTorch's parameter names");
            checked++;
        }
        assertEquals(4, checked);
    }

    @Test
    void orthogonalInitializationGivesOrthonormalRowsOrColumnsTimesTheGain() {
        for (int[] shape : new int[][] {{6, 4}, {3, 8}, {4, 2, 3}}) {
            Tensor w = Tensor.zeros(CPU, shape).requiresGrad(true);
            dev.stride.nn.Init.orthogonal_(w, new dev.stride.random.Generator(5), 2.0);
            int rows = shape[0];
            int cols = (int) (w.numel() / rows);
            Tensor m = w.reshape(rows, cols);
            // The fewer of rows and columns are orthonormal: W Wᵀ = 4 I (wide) or Wᵀ W = 4 I (tall).
            Tensor gram = rows >= cols ? m.t().matmul(m) : m.matmul(m.t());
            int k = Math.min(rows, cols);
            float[] eye = new float[k * k];
            for (int i = 0; i < k; i++) eye[i * k + i] = 4f;
            new Tolerance(1e-5, 1e-5).check("Gram matrix of orthogonal_ " + java.util.Arrays.toString(shape), gram.toFloatArray(), eye);
        }
    }
}

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
}

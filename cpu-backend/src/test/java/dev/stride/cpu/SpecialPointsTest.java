package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stride.loss.Loss;
import dev.stride.loss.Reduction;
import dev.stride.nn.Functional;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Tolerance;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Values and gradients at the special points (0, ±1, ties, ±30, NaN) against PyTorch's, computed in float64 from
 * float32 inputs by the committed special_points.py into special-points.json, compared with PyTorch's float32
 * tolerances. Where a function is smooth the gradient is the derivative (ELU at 0, BCE with logits at 0); at a true
 * kink it is PyTorch's convention (ReLU 0 at 0, Leaky ReLU the slope, HardTanh 0 at ±1, clamp 1 at its bounds,
 * PReLU the weight branch at x ≤ 0, max/min ties halved, L1 0 where prediction equals target).
 */
class SpecialPointsTest {
    static final CpuBackend CPU = new CpuBackend();
    static final Tolerance T = Tolerance.F32;

    static JsonObject fixture() throws IOException {
        try (InputStream in = SpecialPointsTest.class.getResourceAsStream("special-points.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    static JsonArray cases() throws IOException {
        return fixture().getAsJsonArray("cases");
    }

    /** A nested JSON list of numbers, flattened row-major. */
    static float[] flat(com.google.gson.JsonElement e) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        flatten(e, out);
        float[] v = new float[out.size()];
        for (int i = 0; i < v.length; i++) v[i] = out.get(i);
        return v;
    }

    private static void flatten(com.google.gson.JsonElement e, java.util.List<Float> out) {
        if (e.isJsonArray()) {
            for (var x : e.getAsJsonArray()) flatten(x, out);
        } else {
            out.add(e.getAsFloat());
        }
    }

    @Test
    void fansAndGainsAreTorchInits() throws IOException {
        JsonObject init = fixture().getAsJsonObject("init");
        for (var e : init.getAsJsonArray("fans")) {
            JsonObject f = e.getAsJsonObject();
            int[] shape = new com.google.gson.Gson().fromJson(f.get("shape"), int[].class);
            assertEquals(f.get("fan_in").getAsLong(), dev.stride.nn.Init.fanIn(shape), "fan_in of " + f.get("shape"));
            assertEquals(f.get("fan_out").getAsLong(), dev.stride.nn.Init.fanOut(shape), "fan_out of " + f.get("shape"));
        }
        for (var e : init.getAsJsonArray("gains")) {
            JsonObject g = e.getAsJsonObject();
            Double param = g.get("param").isJsonNull() ? null : g.get("param").getAsDouble();
            assertEquals(g.get("gain").getAsDouble(), dev.stride.nn.Init.calculateGain(g.get("name").getAsString(), param), 1e-12,
                    "gain of " + g);
        }
    }

    @Test
    void linearTakesBatchDimensionsInFrontAsTorchDoes() throws IOException {
        JsonObject l = fixture().getAsJsonObject("linear");
        dev.stride.nn.Linear layer = new dev.stride.nn.Linear(3, 2, true, dev.stride.nn.Init.Scheme.PYTORCH_DEFAULT, CPU,
                new dev.stride.random.Generator(0));
        Tensor.of(CPU, flat(l.get("weight")), 2, 3).copyTo(layer.weight().storage());
        Tensor.of(CPU, flat(l.get("bias")), 2).copyTo(layer.bias().storage());
        Tensor x = Tensor.of(CPU, flat(l.get("x")), 2, 2, 3).requiresGrad(true);
        Tensor y = layer.forward(x);
        assertEquals(java.util.List.of(2, 2, 2), java.util.Arrays.stream(y.shape()).boxed().toList());
        T.check("linear value", y.toFloatArray(), flat(l.get("value")));
        y.mul(Tensor.of(CPU, new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 2)).sum().backward();
        T.check("linear input gradient", x.grad().toFloatArray(), flat(l.get("grad_x")));
        T.check("linear weight gradient", layer.weight().grad().toFloatArray(), flat(l.get("grad_weight")));
        T.check("linear bias gradient", layer.bias().grad().toFloatArray(), flat(l.get("grad_bias")));
    }

    static float[] floats(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsFloat();
        return v;
    }

    static Tensor leaf(float[] v) {
        return Tensor.of(CPU, v, v.length).requiresGrad(true);
    }

    static UnaryOperator<Tensor> activation(JsonObject c) {
        JsonObject p = c.getAsJsonObject("params");
        return switch (c.get("name").getAsString()) {
            case "relu" -> Tensor::relu;
            case "leakyRelu" -> x -> Functional.leakyRelu(x, p.get("slope").getAsFloat());
            case "elu" -> x -> Functional.elu(x, p.get("alpha").getAsFloat());
            case "hardTanh" -> x -> Functional.hardTanh(x, p.get("min").getAsFloat(), p.get("max").getAsFloat());
            case "clamp" -> x -> x.clamp(p.get("min").getAsFloat(), p.get("max").getAsFloat());
            case "sigmoid" -> Tensor::sigmoid;
            case "tanh" -> Tensor::tanh;
            case "gelu" -> x -> Functional.gelu(x, false);
            case "gelu tanh" -> x -> Functional.gelu(x, true);
            case "softplus" -> Functional::softplus;
            default -> throw new AssertionError("no Stride function for " + c.get("name"));
        };
    }

    static BinaryOperator<Tensor> loss(String name) {
        return switch (name) {
            case "binaryCrossEntropyWithLogits" -> (p, t) -> Loss.binaryCrossEntropyWithLogits(p, t, Reduction.MEAN);
            case "mae" -> (p, t) -> Loss.mae(p, t, Reduction.MEAN);
            case "mse" -> (p, t) -> Loss.mse(p, t, Reduction.MEAN);
            case "huber" -> (p, t) -> Loss.huber(p, t, 1f, Reduction.MEAN);
            default -> throw new AssertionError("no Stride loss for " + name);
        };
    }

    @Test
    void everyCaseMatchesPyTorch() throws IOException {
        int checked = 0;
        for (var e : cases()) {
            JsonObject c = e.getAsJsonObject();
            String what = c.get("name").getAsString() + " " + c.get("kind").getAsString();
            switch (c.get("kind").getAsString()) {
                case "activation" -> {
                    Tensor x = leaf(floats(c, "x"));
                    Tensor y = activation(c).apply(x);
                    T.check(what + " value", y.toFloatArray(), floats(c, "value"));
                    y.sum().backward();
                    T.check(what + " gradient " + c.get("params"), x.grad().toFloatArray(), floats(c, "grad"));
                }
                case "prelu" -> {
                    Tensor x = leaf(floats(c, "x"));
                    Tensor w = Tensor.of(CPU, new float[] {c.getAsJsonObject("params").get("weight").getAsFloat()}, 1).requiresGrad(true);
                    Tensor y = Functional.prelu(x, w);
                    T.check(what + " value", y.toFloatArray(), floats(c, "value"));
                    y.sum().backward();
                    T.check(what + " input gradient", x.grad().toFloatArray(), floats(c, "grad"));
                    T.check(what + " weight gradient", w.grad().toFloatArray(), floats(c, "weight_grad"));
                }
                case "binary" -> {
                    Tensor a = leaf(floats(c, "a"));
                    Tensor b = leaf(floats(c, "b"));
                    (c.get("name").getAsString().equals("maximum") ? a.maximum(b) : a.minimum(b)).sum().backward();
                    T.check(what + " gradient of a", a.grad().toFloatArray(), floats(c, "grad_a"));
                    T.check(what + " gradient of b", b.grad().toFloatArray(), floats(c, "grad_b"));
                }
                case "loss" -> {
                    Tensor p = leaf(floats(c, "prediction"));
                    Tensor t = leaf(floats(c, "target"));
                    Tensor l = loss(c.get("name").getAsString()).apply(p, t);
                    T.check(what + " value", l.toFloatArray(), new float[] {c.get("value").getAsFloat()});
                    l.backward();
                    T.check(what + " gradient of the prediction", p.grad().toFloatArray(), floats(c, "grad_prediction"));
                    T.check(what + " gradient of the target", t.grad().toFloatArray(), floats(c, "grad_target"));
                }
                default -> throw new AssertionError("unknown kind in " + c);
            }
            checked++;
        }
        assertEquals(19, checked);
    }
}

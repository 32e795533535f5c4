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

    static JsonArray cases() throws IOException {
        try (InputStream in = SpecialPointsTest.class.getResourceAsStream("special-points.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject().getAsJsonArray("cases");
        }
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
        assertEquals(17, checked);
    }
}

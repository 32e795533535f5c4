package dev.stride.testing;

import dev.stride.autograd.NoGrad;
import dev.stride.tensor.Tensor;
import java.util.function.Function;

/**
 * Compares analytic gradients with central differences. The function's output is reduced to a scalar
 * with fixed pseudo-random weights, so every output element's gradient is checked, not only their sum.
 * Inputs are perturbed in float32; the default step and tolerance suit float32 functions of O(1) inputs.
 */
public final class GradCheck {
    private GradCheck() {}

    public record Result(double maxAbsError, double maxRelError, String worst) {}

    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, 1e-2, 2e-2, 2e-3, inputs);
    }

    /** Throws {@link AssertionError} naming input, element and both gradients when they differ beyond the tolerance. */
    public static Result check(Function<Tensor[], Tensor> f, double eps, double rtol, double atol, Tensor... inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) leaves[i] = inputs[i].detach().contiguous().requiresGrad(true);
        return checkInPlace(() -> f.apply(leaves), eps, rtol, atol, leaves);
    }

    /**
     * Checks {@code f} against the tensors it reads in place, such as a module's parameters: each must be a dense
     * leaf that requires a gradient; numeric derivatives perturb its storage and restore it afterwards.
     */
    public static Result checkInPlace(java.util.function.Supplier<Tensor> f, double eps, double rtol, double atol, Tensor... leaves) {
        for (Tensor t : leaves) t.setGrad(null);
        Tensor out = f.get();
        float[] w = weights(out.numel());
        out.mul(Tensor.of(out.backend(), w, out.shape())).sum().backward();
        double maxAbs = 0;
        double maxRel = 0;
        String worst = "";
        for (int i = 0; i < leaves.length; i++) {
            Tensor leaf = leaves[i];
            float[] x = leaf.toFloatArray();
            float[] analytic = leaf.grad() == null ? new float[x.length] : leaf.grad().toFloatArray();
            for (int j = 0; j < x.length; j++) {
                double plus = evaluateInPlace(f, leaf, x, j, (float) (x[j] + eps), w);
                double minus = evaluateInPlace(f, leaf, x, j, (float) (x[j] - eps), w);
                double numeric = (plus - minus) / (2 * eps);
                double err = Math.abs(analytic[j] - numeric);
                if (err > atol + rtol * Math.abs(numeric)) {
                    throw new AssertionError("gradient of input " + i + " element " + j + ": analytic " + analytic[j]
                            + ", numeric " + numeric + " (eps " + eps + ")");
                }
                if (err > maxAbs) {
                    maxAbs = err;
                    worst = "input " + i + " element " + j;
                }
                maxRel = Math.max(maxRel, err / Math.max(Math.abs(numeric), 1e-12));
            }
        }
        return new Result(maxAbs, maxRel, worst);
    }

    private static double evaluateInPlace(java.util.function.Supplier<Tensor> f, Tensor leaf, float[] x, int j, float v, float[] w) {
        float[] moved = x.clone();
        moved[j] = v;
        try (NoGrad ignored = NoGrad.enter()) {
            leaf.backend().write(leaf.storage(), 0, moved, 0, moved.length);
            float[] y = f.get().toFloatArray();
            double s = 0;
            for (int k = 0; k < y.length; k++) s += (double) y[k] * w[k];
            return s;
        } finally {
            leaf.backend().write(leaf.storage(), 0, x, 0, x.length);
        }
    }

    private static float[] weights(long n) {
        float[] w = new float[(int) n];
        long state = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < w.length; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            w[i] = 0.5f + ((state >>> 40) & 0xFFFF) / 65536f;
        }
        return w;
    }
}

package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;

/**
 * Weight initializers, drawn from a Philox {@link Generator} so they are reproducible on every backend.
 * Fans follow PyTorch: for a weight {@code [out, in, k...]}, fan_in = in·∏k and fan_out = out·∏k.
 */
public final class Init {
    private Init() {}

    /** A way to fill a new weight of a given shape. */
    public enum Scheme {
        /** PyTorch's Linear/Conv default: kaiming_uniform with a = sqrt(5), i.e. U(±1/sqrt(fan_in)). */
        PYTORCH_DEFAULT,
        /** Glorot uniform, gain 1. */
        XAVIER_UNIFORM,
        /** Glorot normal, gain 1. */
        XAVIER_NORMAL,
        /** He uniform for ReLU (gain sqrt(2), fan_in). */
        HE_UNIFORM,
        /** He normal for ReLU (gain sqrt(2), fan_in). */
        HE_NORMAL;

        public Tensor create(Backend backend, Generator gen, int... shape) {
            return switch (this) {
                case PYTORCH_DEFAULT -> kaimingUniform(backend, gen, Math.sqrt(5), shape);
                case XAVIER_UNIFORM -> xavierUniform(backend, gen, 1, shape);
                case XAVIER_NORMAL -> xavierNormal(backend, gen, 1, shape);
                case HE_UNIFORM -> kaimingUniform(backend, gen, 0, shape);
                case HE_NORMAL -> kaimingNormal(backend, gen, 0, shape);
            };
        }
    }

    static long fanIn(int[] shape) {
        if (shape.length < 2) throw new IllegalArgumentException("init: fan needs a weight of rank >= 2, got rank " + shape.length);
        long f = shape[1];
        for (int i = 2; i < shape.length; i++) f *= shape[i];
        return f;
    }

    static long fanOut(int[] shape) {
        long f = shape[0];
        for (int i = 2; i < shape.length; i++) f *= shape[i];
        return f;
    }

    /** Gain for leaky ReLU with negative slope {@code a} (a = 0 is ReLU): sqrt(2 / (1 + a^2)). */
    public static double leakyReluGain(double a) {
        return Math.sqrt(2 / (1 + a * a));
    }

    /** U(±gain·sqrt(6/(fan_in+fan_out))). */
    public static Tensor xavierUniform(Backend backend, Generator gen, double gain, int... shape) {
        float bound = (float) (gain * Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape))));
        return Tensor.rand(backend, gen, -bound, bound, shape);
    }

    /** N(0, gain·sqrt(2/(fan_in+fan_out))). */
    public static Tensor xavierNormal(Backend backend, Generator gen, double gain, int... shape) {
        float std = (float) (gain * Math.sqrt(2.0 / (fanIn(shape) + fanOut(shape))));
        return Tensor.randn(backend, gen, 0, std, shape);
    }

    /** U(±sqrt(3)·gain/sqrt(fan_in)) with the leaky-ReLU gain for slope {@code a}. */
    public static Tensor kaimingUniform(Backend backend, Generator gen, double a, int... shape) {
        float bound = (float) (Math.sqrt(3) * leakyReluGain(a) / Math.sqrt(fanIn(shape)));
        return Tensor.rand(backend, gen, -bound, bound, shape);
    }

    /** N(0, gain/sqrt(fan_in)) with the leaky-ReLU gain for slope {@code a}. */
    public static Tensor kaimingNormal(Backend backend, Generator gen, double a, int... shape) {
        float std = (float) (leakyReluGain(a) / Math.sqrt(fanIn(shape)));
        return Tensor.randn(backend, gen, 0, std, shape);
    }
}

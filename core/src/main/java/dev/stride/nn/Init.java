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
        HE_NORMAL,
        /** LeCun uniform: U(±sqrt(3/fan_in)). */
        LECUN_UNIFORM,
        /** LeCun normal: N(0, 1/sqrt(fan_in)), the SELU default. */
        LECUN_NORMAL;

        public Tensor create(Backend backend, Generator gen, int... shape) {
            return switch (this) {
                case PYTORCH_DEFAULT -> kaimingUniform(backend, gen, Math.sqrt(5), shape);
                case XAVIER_UNIFORM -> xavierUniform(backend, gen, 1, shape);
                case XAVIER_NORMAL -> xavierNormal(backend, gen, 1, shape);
                case HE_UNIFORM -> kaimingUniform(backend, gen, 0, shape);
                case HE_NORMAL -> kaimingNormal(backend, gen, 0, shape);
                case LECUN_UNIFORM -> uniform(backend, gen, (float) -Math.sqrt(3.0 / fanIn(shape)), (float) Math.sqrt(3.0 / fanIn(shape)), shape);
                case LECUN_NORMAL -> normal(backend, gen, 0, (float) (1 / Math.sqrt(fanIn(shape))), shape);
            };
        }
    }

    /** fan_in of a weight {@code [out, in, k...]}: in·∏k, as {@code torch.nn.init._calculate_fan_in_and_fan_out}. */
    public static long fanIn(int[] shape) {
        if (shape.length < 2) throw new IllegalArgumentException("init: fan needs a weight of rank >= 2, got rank " + shape.length);
        long f = shape[1];
        for (int i = 2; i < shape.length; i++) f *= shape[i];
        return f;
    }

    /** fan_out of a weight {@code [out, in, k...]}: out·∏k. */
    public static long fanOut(int[] shape) {
        if (shape.length < 2) throw new IllegalArgumentException("init: fan needs a weight of rank >= 2, got rank " + shape.length);
        long f = shape[0];
        for (int i = 2; i < shape.length; i++) f *= shape[i];
        return f;
    }

    /** Which fan a Kaiming initializer preserves: the forward pass's (fan_in) or the backward pass's (fan_out). */
    public enum FanMode { FAN_IN, FAN_OUT }

    public static Tensor zeros(Backend backend, int... shape) {
        return Tensor.zeros(backend, shape);
    }

    public static Tensor constant(Backend backend, float value, int... shape) {
        return Tensor.full(backend, value, shape);
    }

    public static Tensor uniform(Backend backend, Generator gen, float low, float high, int... shape) {
        if (!(low <= high)) throw new IllegalArgumentException("init: uniform needs low <= high, got " + low + ", " + high);
        return Tensor.rand(backend, gen, low, high, shape);
    }

    public static Tensor normal(Backend backend, Generator gen, float mean, float std, int... shape) {
        if (!(std >= 0)) throw new IllegalArgumentException("init: normal needs std >= 0, got " + std);
        return Tensor.randn(backend, gen, mean, std, shape);
    }

    /** Kaiming uniform U(±gain·sqrt(3/fan)) with the leaky-ReLU gain for slope {@code a} and the chosen fan. */
    public static Tensor kaimingUniform(Backend backend, Generator gen, double a, FanMode mode, int... shape) {
        long fan = mode == FanMode.FAN_IN ? fanIn(shape) : fanOut(shape);
        float bound = (float) (Math.sqrt(3) * leakyReluGain(a) / Math.sqrt(fan));
        return Tensor.rand(backend, gen, -bound, bound, shape);
    }

    /** Kaiming normal N(0, gain/sqrt(fan)). */
    public static Tensor kaimingNormal(Backend backend, Generator gen, double a, FanMode mode, int... shape) {
        long fan = mode == FanMode.FAN_IN ? fanIn(shape) : fanOut(shape);
        return Tensor.randn(backend, gen, 0, (float) (leakyReluGain(a) / Math.sqrt(fan)), shape);
    }

    /**
     * {@code torch.nn.init.calculate_gain}: 1 for linear, the conv and conv-transpose names and sigmoid; 5/3 for tanh;
     * sqrt(2) for relu; sqrt(2 / (1 + slope²)) for leaky_relu ({@code param} the slope, 0.01 when null); 3/4 for selu.
     */
    public static double calculateGain(String nonlinearity, Double param) {
        return switch (nonlinearity) {
            case "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid" -> 1;
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2);
            case "leaky_relu" -> leakyReluGain(param == null ? 0.01 : param);
            case "selu" -> 0.75;
            default -> throw new IllegalArgumentException("calculateGain: unsupported nonlinearity '" + nonlinearity
                    + "' (linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu)");
        };
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
        return kaimingUniform(backend, gen, a, FanMode.FAN_IN, shape);
    }

    /** N(0, gain/sqrt(fan_in)) with the leaky-ReLU gain for slope {@code a}. */
    public static Tensor kaimingNormal(Backend backend, Generator gen, double a, int... shape) {
        return kaimingNormal(backend, gen, a, FanMode.FAN_IN, shape);
    }

    // ---- in place, as torch.nn.init.*_ ----

    /** Copies {@code fresh} into {@code param}'s storage without recording a gradient, as {@code torch.nn.init} does. */
    private static Tensor fill(Tensor param, Tensor fresh) {
        try (dev.stride.autograd.NoGrad ignored = dev.stride.autograd.NoGrad.enter()) {
            fresh.copyTo(param.storage());
        }
        fresh.close();
        return param;
    }

    /** {@code torch.nn.init.uniform_}: fills {@code param} from U(low, high); returns it. */
    public static Tensor uniform_(Tensor param, Generator gen, float low, float high) {
        return fill(param, uniform(param.backend(), gen, low, high, param.shape()));
    }

    /** {@code torch.nn.init.normal_}. */
    public static Tensor normal_(Tensor param, Generator gen, float mean, float std) {
        return fill(param, normal(param.backend(), gen, mean, std, param.shape()));
    }

    /** {@code torch.nn.init.constant_}. */
    public static Tensor constant_(Tensor param, float value) {
        return fill(param, constant(param.backend(), value, param.shape()));
    }

    /** {@code torch.nn.init.zeros_}. */
    public static Tensor zeros_(Tensor param) {
        return constant_(param, 0f);
    }

    /** {@code torch.nn.init.ones_}. */
    public static Tensor ones_(Tensor param) {
        return constant_(param, 1f);
    }

    /** {@code torch.nn.init.xavier_uniform_}. */
    public static Tensor xavierUniform_(Tensor param, Generator gen, double gain) {
        return fill(param, xavierUniform(param.backend(), gen, gain, param.shape()));
    }

    /** {@code torch.nn.init.xavier_normal_}. */
    public static Tensor xavierNormal_(Tensor param, Generator gen, double gain) {
        return fill(param, xavierNormal(param.backend(), gen, gain, param.shape()));
    }

    /**
     * {@code torch.nn.init.kaiming_uniform_(param, a, mode, nonlinearity)}: U(±sqrt(3)·gain/sqrt(fan)) with
     * {@code gain = calculateGain(nonlinearity, a)}; PyTorch's defaults are a = 0, fan_in, "leaky_relu".
     */
    public static Tensor kaimingUniform_(Tensor param, Generator gen, double a, FanMode mode, String nonlinearity) {
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(param.shape(), mode));
        float bound = (float) (Math.sqrt(3) * std);
        return fill(param, Tensor.rand(param.backend(), gen, -bound, bound, param.shape()));
    }

    /** {@code torch.nn.init.kaiming_normal_(param, a, mode, nonlinearity)}: N(0, gain/sqrt(fan)). */
    public static Tensor kaimingNormal_(Tensor param, Generator gen, double a, FanMode mode, String nonlinearity) {
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(param.shape(), mode));
        return fill(param, Tensor.randn(param.backend(), gen, 0, (float) std, param.shape()));
    }

    private static long fan(int[] shape, FanMode mode) {
        return mode == FanMode.FAN_IN ? fanIn(shape) : fanOut(shape);
    }

    /**
     * {@code torch.nn.init.orthogonal_}: the weight viewed as {@code [rows, numel/rows]} becomes {@code gain} times a
     * matrix with orthonormal rows (or columns, whichever are fewer), the Q of a QR factorisation of a Gaussian draw
     * with the signs that make R's diagonal positive.
     */
    public static Tensor orthogonal_(Tensor param, Generator gen, double gain) {
        if (param.rank() < 2) throw new IllegalArgumentException("orthogonal_: needs a weight of rank >= 2, got rank " + param.rank());
        int rows = param.dim(0);
        int cols = (int) (param.numel() / rows);
        boolean tall = rows >= cols;
        int n = tall ? rows : cols;
        int m = tall ? cols : rows;
        float[] g = Tensor.randn(param.backend(), gen, 0, 1, m, n).toFloatArray();
        double[][] q = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) q[i][j] = g[i * n + j];
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < i; k++) {
                    double dot = 0;
                    for (int j = 0; j < n; j++) dot += q[i][j] * q[k][j];
                    for (int j = 0; j < n; j++) q[i][j] -= dot * q[k][j];
                }
            }
            double len = 0;
            for (int j = 0; j < n; j++) len += q[i][j] * q[i][j];
            len = Math.sqrt(len);
            for (int j = 0; j < n; j++) q[i][j] /= len;
        }
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out[r * cols + c] = (float) (gain * (tall ? q[c][r] : q[r][c]));
        }
        return fill(param, Tensor.of(param.backend(), out, param.shape()));
    }
}

package dev.stride.nn;

import dev.stride.autograd.Autograd;
import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.backend.Window;
import dev.stride.random.Generator;
import dev.stride.tensor.DType;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/**
 * The differentiable layer functions, as {@code torch.nn.functional}: each calls one fused backend op (or is a
 * short composite) and records its gradient right here. Layers in this package are thin modules over these.
 *
 * <p>Gradients at the special points follow PyTorch (checked against it in {@code SpecialPointsTest}). Where a
 * function is smooth the gradient is its derivative, stated explicitly when a composite of masks would get it wrong;
 * at a true kink it is PyTorch's convention:
 * <table>
 * <caption>Gradients at kinks and ties</caption>
 * <tr><th>function</th><th>point</th><th>gradient</th></tr>
 * <tr><td>ReLU</td><td>x = 0</td><td>0</td></tr>
 * <tr><td>Leaky ReLU</td><td>x = 0</td><td>the slope</td></tr>
 * <tr><td>PReLU</td><td>x = 0</td><td>the weight (input); x for the weight: the x ≤ 0 branch</td></tr>
 * <tr><td>HardTanh</td><td>x = min or max</td><td>0 (passes strictly inside)</td></tr>
 * <tr><td>clamp</td><td>x = lo or hi</td><td>1 (passes on the closed interval; 0 at NaN)</td></tr>
 * <tr><td>maximum, minimum</td><td>a = b</td><td>half to each; with a NaN, all to both</td></tr>
 * <tr><td>max along an axis</td><td>tied maxima</td><td>shared equally</td></tr>
 * <tr><td>abs, L1/MAE</td><td>0, prediction = target</td><td>0</td></tr>
 * <tr><td>ELU</td><td>x = 0</td><td>alpha (the x ≤ 0 branch, alpha·e^x)</td></tr>
 * <tr><td>BCE with logits</td><td>any x</td><td>sigmoid(x) − y</td></tr>
 * </table>
 */
public final class Functional {
    private Functional() {}

    // ---- activations ----

    /** {@code x} where positive, {@code slope·x} elsewhere. */
    public static Tensor leakyRelu(Tensor x, float slope) {
        Tensor pos = x.relu();
        return pos.add(x.sub(pos).mul(slope));
    }

    /**
     * {@code x} where positive, {@code alpha·(e^x - 1)} elsewhere. Its gradient is stated, not composed from ReLU masks:
     * {@code alpha·e^x} for {@code x <= 0}, so at 0 it is alpha (1 for the smooth alpha = 1), as in PyTorch.
     */
    public static Tensor elu(Tensor x, float alpha) {
        Tensor out;
        Tensor slope;
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor pos = x.gt(0f);
            Tensor negExp = x.minimum(Tensor.scalar(x.backend(), 0f)).exp();
            out = x.relu().add(negExp.sub(1f).mul(alpha));
            slope = pos.add(pos.rsub(1f).mul(negExp).mul(alpha));
        }
        return Autograd.record("elu", out, g -> new Tensor[] {g.mul(slope)}, x);
    }

    /**
     * {@code log(1 + e^x)} in the stable form {@code max(x, 0) + log(1 + e^-|x|)}, with its gradient stated as
     * {@code sigmoid(x)}: composed from the ReLU and |x| masks it would be 0 at x = 0 instead of ½.
     */
    public static Tensor softplus(Tensor x) {
        Tensor out;
        try (NoGrad ignored = NoGrad.enter()) {
            out = x.relu().add(x.abs().neg().exp().add(1f).log());
        }
        return Autograd.record("softplus", out, g -> new Tensor[] {g.mul(x.sigmoid())}, x);
    }

    /** {@code 0.5·x·(1 + erf(x/√2))}, or with {@code tanh} the approximation {@code 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))}. */
    public static Tensor gelu(Tensor x, boolean tanh) {
        if (!tanh) return x.mul(x.mul((float) (1 / Math.sqrt(2))).erf().add(1f)).mul(0.5f);
        Tensor inner = x.add(x.pow(3f).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
        return x.mul(inner.tanh().add(1f)).mul(0.5f);
    }

    /** {@code clamp(x, min, max)}; the gradient passes strictly inside, so it is 0 at exactly min and max (PyTorch's). */
    public static Tensor hardTanh(Tensor x, float min, float max) {
        Tensor out;
        Tensor inside;
        try (NoGrad ignored = NoGrad.enter()) {
            inside = x.gt(min).mul(x.lt(max));
            out = x.clamp(min, max);
        }
        return Autograd.record("hardTanh", out, g -> new Tensor[] {g.mul(inside)}, x);
    }

    /** {@code x} where positive, {@code alpha·x} elsewhere, alpha of shape [1] or [C] broadcast over channel axis 1. */
    public static Tensor prelu(Tensor x, Tensor alpha) {
        Tensor a = alpha;
        if (alpha.numel() > 1) {
            if (x.rank() < 2 || x.dim(1) != alpha.numel()) {
                throw new IllegalArgumentException("PReLU(" + alpha.numel() + "): expects input with " + alpha.numel()
                        + " channels in dimension 1, got " + Shape.str(x.shape()));
            }
            int[] s = new int[x.rank()];
            java.util.Arrays.fill(s, 1);
            s[1] = (int) alpha.numel();
            a = alpha.reshape(s);
        }
        Tensor pos = x.relu();
        return pos.add(x.sub(pos).mul(a));
    }

    // ---- windows ----

    /**
     * Unfolds {@code x [N, C, H, W]} into {@code [N, C·kh·kw, outH·outW]} (im2col); its gradient folds back (col2im).
     */
    public static Tensor unfold(Tensor x, Window g) {
        Backend b = x.backend();
        Tensor out = Tensor.empty(b, DType.F32, g.n(), g.patch(), g.positions());
        b.im2col(x.view(), g, 0f, out.storage());
        return Autograd.record("unfold", out, gr -> {
            Tensor dx = Tensor.empty(b, DType.F32, g.n(), g.c(), g.h(), g.w());
            b.col2im(gr.contiguous().storage(), g, dx.storage());
            return new Tensor[] {dx};
        }, x);
    }

    static Window window(String layer, Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException(layer + ": expects input [N, C, H, W], got " + Shape.str(x.shape()));
        }
        Window g = new Window(x.dim(0), x.dim(1), x.dim(2), x.dim(3), kh, kw, sh, sw, ph, pw, dh, dw);
        if (g.outH() <= 0 || g.outW() <= 0 || x.dim(2) + 2 * ph < dh * (kh - 1) + 1 || x.dim(3) + 2 * pw < dw * (kw - 1) + 1) {
            throw new IllegalArgumentException(layer + ": kernel " + kh + "x" + kw + " (dilation " + dh + "x" + dw
                    + ") is larger than the padded input " + (x.dim(2) + 2 * ph) + "x" + (x.dim(3) + 2 * pw)
                    + " of input " + Shape.str(x.shape()));
        }
        return g;
    }

    /** PyTorch's {@code _pair}: one value for both axes or {@code {height, width}}. */
    static int[] pair(String layer, String what, int... v) {
        if (v == null || v.length < 1 || v.length > 2) {
            throw new IllegalArgumentException(layer + ": " + what + " takes one value or two (height, width), got "
                    + (v == null ? "null" : java.util.Arrays.toString(v)));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    /** A kernel size as a layer names itself: {@code 3}, or {@code 3x2} when the axes differ. */
    private static String size(int[] k) {
        return k.length == 2 && k[0] != k[1] ? k[0] + "x" + k[1] : String.valueOf(k[0]);
    }

    /**
     * 2-D convolution (cross-correlation, as PyTorch) of {@code x [N, C, H, W]} with {@code w [Cout, C/groups, kh, kw]}
     * and optional {@code bias [Cout]}: im2col and one batched GEMM per group.
     */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int dilation, int groups) {
        return conv2d(x, w, bias, new int[] {stride}, new int[] {padding}, new int[] {dilation}, groups);
    }

    /** {@link #conv2d} with per-axis stride, padding and dilation, each one value or {@code {height, width}}. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        int cout = w.dim(0);
        int cin = w.dim(1) * groups;
        String layer = "Conv2d(" + cin + ", " + cout + ")";
        if (x.rank() != 4 || x.dim(1) != cin) {
            throw new IllegalArgumentException(layer + ": expects input [N, " + cin + ", H, W], got " + Shape.str(x.shape()));
        }
        int[] s = pair(layer, "stride", stride);
        int[] p = pair(layer, "padding", padding);
        int[] d = pair(layer, "dilation", dilation);
        Window g = window(layer, x, w.dim(2), w.dim(3), s[0], s[1], p[0], p[1], d[0], d[1]);
        if (groups == 1) {
            Tensor y = convolve(x, w, g, cout);
            return bias == null ? y : y.add(bias.reshape(cout, 1, 1));
        }
        int per = cin / groups;
        int outPer = cout / groups;
        Tensor[] outs = new Tensor[groups];
        for (int gi = 0; gi < groups; gi++) {
            Tensor xg = groups == 1 ? x : x.slice(1, gi * per, (gi + 1) * per);
            Tensor wg = groups == 1 ? w : w.slice(0, gi * outPer, (gi + 1) * outPer);
            Tensor cols = unfold(xg, g.withChannels(per));
            outs[gi] = wg.reshape(outPer, per * g.kh() * g.kw()).matmul(cols);
        }
        Tensor y = (groups == 1 ? outs[0] : Tensor.cat(1, outs)).reshape(g.n(), cout, g.outH(), g.outW());
        return bias == null ? y : y.add(bias.reshape(cout, 1, 1));
    }

    /** One-group convolution through the backend's conv ops; backward unfolds x again rather than keeping its columns. */
    private static Tensor convolve(Tensor x, Tensor w, Window g, int cout) {
        Backend b = x.backend();
        Tensor.sameBackend("conv2d", x, w);
        Tensor wc = w.contiguous();
        Tensor y = Tensor.empty(b, DType.F32, g.n(), cout, g.outH(), g.outW());
        b.conv2d(x.view(), wc.storage(), g, cout, y.storage());
        return Autograd.record("conv2d", y, gr -> {
            Tensor dy = gr.contiguous();
            Tensor dx = null;
            if (x.requiresGrad()) {
                dx = Tensor.empty(b, DType.F32, g.n(), g.c(), g.h(), g.w());
                b.conv2dBackwardData(dy.storage(), wc.storage(), g, cout, dx.storage());
            }
            Tensor dw = null;
            if (w.requiresGrad()) {
                dw = Tensor.empty(b, DType.F32, w.shape());
                b.conv2dBackwardWeight(x.view(), dy.storage(), g, cout, dw.storage());
            }
            return new Tensor[] {dx, dw};
        }, x, w);
    }

    /** Max pooling with square windows; the gradient goes to the first maximum of each window. */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding, int dilation) {
        return maxPool(x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, false, false).values();
    }

    /** Max pooling's output and, as {@code return_indices=True} gives them, each maximum's flat index in its H·W plane. */
    public record MaxPooled(Tensor values, Tensor indices) {}

    /**
     * {@code torch.nn.functional.max_pool2d} with per-axis kernel, stride, padding and dilation (each one value or
     * {@code {height, width}}), and {@code ceilMode} (the last window may run past the padded input, but starts
     * inside it).
     */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return maxPool(x, kernel, stride, padding, dilation, ceilMode, false).values();
    }

    /** {@link #maxPool2d(Tensor, int[], int[], int[], int[], boolean)} with I32 indices, as {@code return_indices=True}. */
    public static MaxPooled maxPool2dWithIndices(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                                 boolean ceilMode) {
        return maxPool(x, kernel, stride, padding, dilation, ceilMode, true);
    }

    private static MaxPooled maxPool(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode,
                                     boolean withIndices) {
        String layer = "MaxPool2d(" + size(kernel) + ")";
        int[] k = pair(layer, "kernel", kernel);
        int[] s = pair(layer, "stride", stride);
        int[] p = pair(layer, "padding", padding);
        int[] d = pair(layer, "dilation", dilation);
        Window g = window(layer, x, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
        Tensor in = ceilMode ? padEnd(x, g, Float.NEGATIVE_INFINITY) : x;
        if (in != x) g = new Window(g.n(), g.c(), in.dim(2), in.dim(3), k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
        Window gw = g;
        Backend b = x.backend();
        Tensor y = Tensor.empty(b, DType.F32, g.n(), g.c(), g.outH(), g.outW());
        Tensor idx = Tensor.empty(b, DType.I32, g.n(), g.c(), g.outH(), g.outW());
        b.maxPool2d(in.view(), g, y.storage(), idx.storage());
        y = Autograd.record("maxPool2d", y, gr -> {
            Tensor dx = Tensor.empty(b, DType.F32, gw.n(), gw.c(), gw.h(), gw.w());
            b.maxPool2dBackward(gr.contiguous().storage(), idx.storage(), gw, dx.storage());
            return new Tensor[] {dx};
        }, in);
        return new MaxPooled(y, withIndices ? planeIndices(idx, gw, x.dim(3)) : null);
    }

    /** Window-local argmax indices to PyTorch's flat {@code row·W + col} within each input plane. */
    private static Tensor planeIndices(Tensor local, Window g, int width) {
        int kk = g.kh() * g.kw();
        int positions = g.positions();
        float[] table = new float[positions * kk];
        for (int oy = 0; oy < g.outH(); oy++) {
            for (int ox = 0; ox < g.outW(); ox++) {
                for (int i = 0; i < g.kh(); i++) {
                    for (int j = 0; j < g.kw(); j++) {
                        int row = oy * g.sh() - g.ph() + i * g.dh();
                        int col = ox * g.sw() - g.pw() + j * g.dw();
                        table[(oy * g.outW() + ox) * kk + i * g.kw() + j] = row * width + col;
                    }
                }
            }
        }
        try (NoGrad ignored = NoGrad.enter()) {
            Backend b = local.backend();
            int planes = g.n() * g.c();
            Tensor rows = Tensor.of(b, table, 1, positions, kk).expand(planes, positions, kk).reshape(planes * positions, kk);
            return rows.gatherRows(local.reshape(planes * positions)).to(DType.I32).reshape(local.shape());
        }
    }

    /** Windows {@code ceilMode} adds: PyTorch's output size, where the last window must start inside the input or left padding. */
    private static int ceilOut(int in, int k, int s, int p, int d) {
        int out = Math.floorDiv(in + 2 * p - d * (k - 1) - 1 + s - 1, s) + 1;
        if ((out - 1) * s >= in + p) out--;
        return out;
    }

    /** {@code x} extended at the bottom and right with {@code value} so that floor sizing gives ceil mode's windows. */
    private static Tensor padEnd(Tensor x, Window g, float value) {
        int extraH = Math.max(0, (ceilOut(g.h(), g.kh(), g.sh(), g.ph(), g.dh()) - 1) * g.sh() + g.dh() * (g.kh() - 1) + 1 - g.paddedH());
        int extraW = Math.max(0, (ceilOut(g.w(), g.kw(), g.sw(), g.pw(), g.dw()) - 1) * g.sw() + g.dw() * (g.kw() - 1) + 1 - g.paddedW());
        Tensor out = x;
        if (extraH > 0) out = Tensor.cat(2, out, Tensor.full(x.backend(), value, g.n(), g.c(), extraH, g.w()));
        if (extraW > 0) out = Tensor.cat(3, out, Tensor.full(x.backend(), value, g.n(), g.c(), g.h() + extraH, extraW));
        return out;
    }

    /** Average pooling with square windows, counting zero padding in the average as PyTorch's default does. */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return avgPool2d(x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, false, true);
    }

    /**
     * {@code torch.nn.functional.avg_pool2d}: per-axis kernel, stride and padding, {@code ceilMode}, and
     * {@code countIncludePad}; the divisor of each window is PyTorch's (padding counted only up to the padded
     * edge, never the part of a ceil-mode window beyond it).
     */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad) {
        String layer = "AvgPool2d(" + size(kernel) + ")";
        int[] k = pair(layer, "kernel", kernel);
        int[] s = pair(layer, "stride", stride);
        int[] p = pair(layer, "padding", padding);
        Window g = window(layer, x, k[0], k[1], s[0], s[1], p[0], p[1], 1, 1);
        int h = g.h();
        int w = g.w();
        Tensor in = ceilMode ? padEnd(x, g, 0f) : x;
        if (in != x) g = new Window(g.n(), g.c(), in.dim(2), in.dim(3), k[0], k[1], s[0], s[1], p[0], p[1], 1, 1);
        Tensor sums = unfold(in, g).reshape(g.n(), g.c(), k[0] * k[1], g.positions()).sum(2, false);
        // Counting padding, every window of the floor-sized output lies within the padded input: one divisor.
        if (countIncludePad && !ceilMode) return sums.div((float) (k[0] * k[1])).reshape(g.n(), g.c(), g.outH(), g.outW());
        float[] divisor = new float[g.positions()];
        for (int oy = 0; oy < g.outH(); oy++) {
            for (int ox = 0; ox < g.outW(); ox++) {
                divisor[oy * g.outW() + ox] = windowCount(oy * s[0] - p[0], k[0], h, p[0], countIncludePad)
                        * windowCount(ox * s[1] - p[1], k[1], w, p[1], countIncludePad);
            }
        }
        return sums.div(Tensor.of(x.backend(), divisor, g.positions())).reshape(g.n(), g.c(), g.outH(), g.outW());
    }

    private static int windowCount(int start, int k, int in, int pad, boolean includePad) {
        int end = Math.min(start + k, in + pad);
        return includePad ? end - start : Math.min(end, in) - Math.max(start, 0);
    }

    // ---- normalization and regularization ----

    /**
     * Batch normalization over channel axis 1 of {@code [N, C]} or {@code [N, C, H, W]}; see
     * {@link Backend#batchNorm}. The running statistics are updated in place in training mode.
     */
    public static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                   boolean training, float momentum, float eps) {
        return batchNorm(x, gamma, beta, runningMean, runningVar, training, momentum, eps, false);
    }

    /**
     * {@code batchNorm(...).relu()} as one op ({@link Backend#batchNormRelu}): the same values and gradients, one
     * pass over the activation each way instead of two. {@link Sequential} uses it for a BatchNorm followed by a ReLU.
     */
    public static Tensor batchNormRelu(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                       boolean training, float momentum, float eps) {
        return batchNorm(x, gamma, beta, runningMean, runningVar, training, momentum, eps, true);
    }

    private static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                    boolean training, float momentum, float eps, boolean relu) {
        int c = x.dim(1);
        int n = x.dim(0);
        int s = (int) (x.numel() / Math.max((long) n * c, 1));
        Backend b = x.backend();
        Tensor in = x.contiguous().reshape(n, c, s);
        int[] shape = x.shape();
        Tensor y = Tensor.empty(b, DType.F32, shape);
        Tensor mean = Tensor.empty(b, DType.F32, c);
        Tensor inv = Tensor.empty(b, DType.F32, c);
        if (relu) {
            b.batchNormRelu(in.view(), gamma.storage(), beta.storage(), runningMean.storage(), runningVar.storage(), training,
                    momentum, eps, y.storage(), mean.storage(), inv.storage());
        } else {
            b.batchNorm(in.view(), gamma.storage(), beta.storage(), runningMean.storage(), runningVar.storage(), training,
                    momentum, eps, y.storage(), mean.storage(), inv.storage());
        }
        return Autograd.record(relu ? "batchNormRelu" : "batchNorm", y, gr -> {
            Tensor dx = Tensor.empty(b, DType.F32, shape);
            Tensor dg = Tensor.empty(b, DType.F32, c);
            Tensor db = Tensor.empty(b, DType.F32, c);
            Storage dy = gr.contiguous().storage();
            if (relu) {
                b.batchNormReluBackward(in.view(), y.storage(), dy, gamma.storage(), beta.storage(), mean.storage(), inv.storage(),
                        training, dx.storage(), dg.storage(), db.storage());
            } else {
                b.batchNormBackward(in.view(), dy, gamma.storage(), mean.storage(), inv.storage(), training, dx.storage(),
                        dg.storage(), db.storage());
            }
            return new Tensor[] {dx, dg, db};
        }, x, gamma, beta);
    }

    /** Dropout's p: in [0, 1), since at p = 1 the kept elements (none) would be scaled by 1/0. */
    static void checkDropout(String op, float p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException(op + ": p must be in [0, 1), got " + p);
    }

    /**
     * Inverted dropout with probability {@code p}: the mask comes from {@code gen}'s Philox stream at its current
     * offset, which then advances; the backward pass regenerates the same mask. Identity when not training.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, Generator gen) {
        checkDropout("dropout", p);
        if (!training || p == 0) return x;
        Backend b = x.backend();
        long n = x.numel();
        long seed = gen.seed();
        long offset = gen.advance((n + 3) / 4);
        int[] shape = x.shape();
        Tensor y = Tensor.empty(b, DType.F32, shape);
        b.dropout(x.view(), p, seed, offset, y.storage());
        return Autograd.record("dropout", y, gr -> {
            Tensor dx = Tensor.empty(b, DType.F32, shape);
            b.dropout(gr.view(), p, seed, offset, dx.storage());
            return new Tensor[] {dx};
        }, x);
    }
}

package dev.stride.testing;

import dev.stride.backend.Backend;
import dev.stride.backend.BinaryOp;
import dev.stride.backend.Distribution;
import dev.stride.backend.Gemm;
import dev.stride.backend.ReduceOp;
import dev.stride.backend.Storage;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.View;
import dev.stride.backend.Window;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parity cases for the SPI itself: every primitive and every fused op, called on the backend under test with inputs
 * built there from fixed seeds. Sizes are not multiples of 4 or 32, views are strided or broadcast, one case is
 * empty, and the values include 0, -0, ±1, ±inf, NaN and large magnitudes. Run between a backend and
 * {@link PrimitivesOnly} over it, the fused cases compare each override with its composite definition.
 */
final class ParityPrimitives {
    private ParityPrimitives() {}

    static final Tolerance EXACT = new Tolerance(0, 0);
    /** Sums: a float tree on a GPU against the CPU's double accumulator; GEMM: another summation order. */
    static final Tolerance SUMS = new Tolerance(1e-5, 1e-5);
    static final String SUMS_WHY = "sums in another order (float tree against the CPU's double accumulator)";

    static float[] values(int n, long seed, float lo, float hi) {
        return Buffers.values(n, seed, lo, hi);
    }

    static float[] special(int n, long seed) {
        float[] v = values(n, seed, -3, 3);
        float[] s = {0f, -0f, 1f, -1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 88f, -88f, 1e-30f, 3e4f};
        System.arraycopy(s, 0, v, 0, Math.min(s.length, n));
        return v;
    }

    static Storage upload(Backend be, float[] v) {
        return Buffers.upload(be, v);
    }

    static float[] down(Storage s) {
        return Buffers.download(s);
    }

    static Map<String, float[]> out(Object... pairs) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            Object v = pairs[i + 1];
            m.put((String) pairs[i], v instanceof Storage s ? down(s) : (float[]) v);
        }
        return m;
    }

    static List<Parity.Case> cases() {
        List<Parity.Case> c = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            c.add(new Parity.Case("unary " + op, "primitive", be -> {
                View x = Tensor.wrap(upload(be, special(40, op.ordinal())), DType.F32, 5, 8).t().view();
                Storage o = be.allocate(DType.F32, 40);
                be.unary(op, x, o);
                return out("out", o);
            }));
        }
        for (BinaryOp op : BinaryOp.values()) {
            c.add(new Parity.Case("binary " + op, "primitive", be -> {
                int[] s = {3, 4, 5};
                View a = Tensor.wrap(upload(be, special(15, 1)), DType.F32, 3, 1, 5).expand(s).view();
                View b = Tensor.wrap(upload(be, special(20, 2)), DType.F32, 4, 5).expand(s).view();
                Storage o = be.allocate(DType.F32, 60);
                be.binary(op, a, b, o);
                Storage k = be.allocate(DType.F32, 15);
                be.binary(op, Tensor.wrap(upload(be, special(15, 3)), DType.F32, 5, 3).t().view(), 2.5f, k);
                return out("broadcast", o, "scalar", k);
            }));
        }
        c.add(new Parity.Case("copy strided and converting", "primitive", be -> {
            Tensor x = Tensor.wrap(upload(be, special(2 * 3 * 5 * 7, 4)), DType.F32, 2, 3, 5, 7);
            Tensor view = x.permute(3, 1, 0, 2).slice(0, 1, 6);
            Storage dense = be.allocate(DType.F32, view.numel());
            be.copy(view.view(), View.contiguous(dense, view.shape()));
            Storage ints = be.allocate(DType.I32, 11);
            be.copy(View.contiguous(upload(be, special(11, 5)), 11), View.contiguous(ints, 11));
            Storage back = be.allocate(DType.F32, 11);
            be.copy(View.contiguous(ints, 11), View.contiguous(back, 11));
            return out("permuted slice", dense, "to I32", ints, "back to F32", back);
        }));
        c.add(new Parity.Case("fill and empty tensors", "primitive", be -> {
            Tensor e = Tensor.zeros(be, 0, 3);
            Storage f = be.allocate(DType.F32, 37);
            be.fill(f, 3, 31, -2.5f);
            return out("filled", f, "unary", e.exp().t().contiguous().toFloatArray(), "sum over the empty axis",
                    e.sum(0, false).toFloatArray());
        }));
        int[][] axes = {{0}, {1}, {2}, {0, 2}, {0, 1, 2}};
        for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN}) {
            boolean sum = op == ReduceOp.SUM;
            c.add(new Parity.Case("reduce " + op, "primitive", sum ? SUMS : Tolerance.F32, sum ? SUMS_WHY : "", be -> {
                Map<String, float[]> m = new LinkedHashMap<>();
                View x = Tensor.wrap(upload(be, values(3 * 33 * 5, 6, -3, 3)), DType.F32, 3, 33, 5).view();
                for (int[] ax : axes) {
                    Storage o = be.allocate(DType.F32, x.splitAxes(ax)[0].numel());
                    be.reduce(op, x, ax, o);
                    m.put("over " + Arrays.toString(ax), down(o));
                }
                return m;
            }));
        }
        c.add(new Parity.Case("reduce ARGMAX", "primitive", EXACT, "indices", be -> {
            float[] v = values(4 * 300, 7, -1, 1);
            v[217] = 5f;
            v[299] = 5f;
            v[300 + 5] = Float.NaN;
            Arrays.fill(v, 600, 900, 1f);
            View x = Tensor.wrap(upload(be, v), DType.F32, 4, 300).view();
            Storage rows = be.allocate(DType.I32, 4);
            be.reduce(ReduceOp.ARGMAX, x, new int[] {1}, rows);
            Storage cols = be.allocate(DType.I32, 300);
            be.reduce(ReduceOp.ARGMAX, x, new int[] {0}, cols);
            return out("along rows", rows, "along columns", cols);
        }));
        for (int flags = 0; flags < 4; flags++) {
            boolean ta = (flags & 1) != 0;
            boolean tb = (flags & 2) != 0;
            c.add(new Parity.Case("gemm" + (ta ? " transA" : "") + (tb ? " transB" : "") + " batched", "primitive", SUMS,
                    "products summed in another order", be -> {
                        int m = 31, n = 33, k = 17, batch = 3;
                        int lda = (ta ? m : k) + 3;
                        int ldb = (tb ? k : n) + 1;
                        long aStride = (long) (ta ? k : m) * lda;
                        Storage a = upload(be, values((int) (aStride * batch), 8, -1, 1));
                        Storage b = upload(be, values((tb ? n : k) * ldb, 9, -1, 1));
                        Storage cc = upload(be, values(m * n * batch, 10, -1, 1));
                        be.gemm(new Gemm(batch, m, n, k, 1.5f, a, 0, lda, aStride, ta, b, 0, ldb, 0, tb, 0.5f, cc, 0, n, (long) m * n));
                        return out("c", cc);
                    }));
        }
        c.add(new Parity.Case("gather and scatterAdd", "primitive", be -> {
            Storage x = upload(be, values(5 * 7, 11, -2, 2));
            Storage idx = Tensor.ofInts(be, new int[] {6, 0, 3, 3, 6}, 5).storage();
            Storage g = be.allocate(DType.F32, 5);
            be.gather(x, idx, g, 5, 7);
            Storage s = be.allocate(DType.F32, 35);
            be.scatterAdd(g, idx, s, 5, 7);
            return out("gathered", g, "scattered", s);
        }));
        for (Distribution d : Distribution.values()) {
            c.add(new Parity.Case("random " + d, "random", EXACT, "the same Philox words", be -> {
                Storage o = be.allocate(DType.F32, 4097);
                float a = d == Distribution.KEEP_MASK ? 1 / 0.7f : -2f;
                be.random(d, 0x1234_5678_9abcL, 77, a, d == Distribution.KEEP_MASK ? 0.3f : 3f, o, 4097);
                return out("draw", o);
            }));
        }
        c.addAll(fused());
        return c;
    }

    static List<Parity.Case> fused() {
        List<Parity.Case> c = new ArrayList<>();
        c.add(new Parity.Case("softmaxCrossEntropy and softmaxCrossEntropyBackward", "fused", SUMS, SUMS_WHY, be -> {
            int rows = 5, cols = 33;
            View logits = Tensor.wrap(upload(be, values(rows * cols, 12, -4, 4)), DType.F32, cols, rows).t().view();
            Storage labels = Tensor.ofInts(be, new int[] {0, 32, 7, 7, 16}, rows).storage();
            Storage loss = be.allocate(DType.F32, rows);
            Storage probs = be.allocate(DType.F32, rows * cols);
            be.softmaxCrossEntropy(logits, labels, loss, probs);
            Storage grad = be.allocate(DType.F32, rows * cols);
            be.softmaxCrossEntropyBackward(probs, labels, upload(be, new float[] {1, -0.5f, 2, 0, 0.25f}), grad, rows, cols);
            return out("loss", loss, "probs", probs, "grad", grad);
        }));
        int[][] geometries = {{3, 1, 1, 1}, {2, 2, 0, 1}, {3, 2, 1, 2}, {3, 1, 2, 2}, {3, 1, 0, 1}};
        for (int[] k : geometries) {
            String geo = " kernel " + k[0] + " stride " + k[1] + " padding " + k[2] + " dilation " + k[3];
            Window g = new Window(2, 3, 7, 9, k[0], k[0], k[1], k[1], k[2], k[2], k[3], k[3]);
            c.add(new Parity.Case("im2col and col2im" + geo, "fused", be -> {
                View x = Tensor.wrap(upload(be, special(2 * 7 * 9 * 3, 13)), DType.F32, 2, 7, 9, 3).permute(0, 3, 1, 2).view();
                Storage cols = be.allocate(DType.F32, (long) g.n() * g.patch() * g.positions());
                be.im2col(x, g, 0.5f, cols);
                Storage dx = be.allocate(DType.F32, 2L * 3 * 7 * 9);
                be.col2im(cols, g, dx);
                return out("cols", cols, "dx", dx);
            }));
            for (int images : new int[] {1, 17}) {
                Window cg = g.withBatch(images);
                c.add(new Parity.Case("conv2d and conv2dBackwardData and conv2dBackwardWeight" + geo + " images " + images,
                        "fused", SUMS, SUMS_WHY, be -> conv(be, cg, 5)));
            }
            c.add(new Parity.Case("maxPool2d and maxPool2dBackward" + geo, "fused", be -> {
                float[] v = special(2 * 7 * 9 * 3, 14);
                for (int i = 12; i < v.length; i += 7) v[i] = 1f;
                View x = Tensor.wrap(upload(be, v), DType.F32, 2, 7, 9, 3).permute(0, 3, 1, 2).view();
                long outs = (long) g.n() * g.c() * g.positions();
                Storage o = be.allocate(DType.F32, outs);
                Storage idx = be.allocate(DType.I32, outs);
                be.maxPool2d(x, g, o, idx);
                Storage dx = be.allocate(DType.F32, 2L * 3 * 7 * 9);
                be.maxPool2dBackward(upload(be, values((int) outs, 15, -1, 1)), idx, g, dx);
                return out("out", o, "indices", idx, "dx", dx);
            }));
        }
        // 2x2 windows at stride 2 along rows of 37 (18 windows: whole vectors of them and a ragged tail), over special
        // values (NaN, infinities, signed zeros, ties), and signed-zero and infinite gradients.
        Window rows = new Window(2, 3, 5, 37, 2, 2, 2, 2, 0, 0, 1, 1);
        c.add(new Parity.Case("maxPool2d and maxPool2dBackward kernel 2 stride 2 rows of 37", "fused", be -> {
            float[] v = special(2 * 3 * 5 * 37, 16);
            for (int i = 5; i < v.length; i += 9) v[i] = 1f;
            // Rows 2 and 3 without a NaN (nor a -inf maximum, whose sum with +inf would send the row to the NaN path):
            // signed zeros, infinities and ties in the first windows, equal values after.
            float inf = Float.POSITIVE_INFINITY;
            float[] top = {-0f, 0f, 0f, -0f, inf, 1f, -inf, 3f, 2f, 2f, -0f, -0f, 0f, -inf};
            float[] bottom = {0f, -0f, -0f, 0f, 1f, inf, -inf, -inf, 2f, 2f, 0f, -0f, -0f, 5f};
            System.arraycopy(top, 0, v, 74, top.length);
            System.arraycopy(bottom, 0, v, 111, bottom.length);
            for (int i = 74 + top.length; i < 111; i++) v[i] = v[i + 37] = 0.5f;
            float[] g = values(rows.n() * rows.c() * rows.positions(), 17, -1, 1);
            System.arraycopy(special(11, 18), 0, g, 3, 11);
            g[20] = -0f;
            return maxPool(be, rows, v, g);
        }));
        // Rows of 7 windows over 7x14 planes: rows narrower than a vector of windows (the CNN's second pooling), an
        // unpooled last input row, a NaN in one row, ties, and infinite and signed-zero gradients.
        Window narrow = new Window(2, 3, 7, 14, 2, 2, 2, 2, 0, 0, 1, 1);
        c.add(new Parity.Case("maxPool2d and maxPool2dBackward kernel 2 stride 2 rows of 7", "fused", be -> {
            float[] v = values(2 * 3 * 7 * 14, 19, -2, 2);
            v[17] = Float.NaN;
            for (int i = 100; i < 140; i++) v[i] = 0.25f;
            v[150] = -0f;
            v[151] = 0f;
            v[164] = Float.POSITIVE_INFINITY;
            float[] g = values(narrow.n() * narrow.c() * narrow.positions(), 20, -1, 1);
            System.arraycopy(special(11, 21), 0, g, 8, 11);
            return maxPool(be, narrow, v, g);
        }));
        // Twelve channels, a whole number of GEMM tile rows: the CPU's input gradient at stride 1 runs as a convolution
        // with the flipped kernel (with three, as above, it multiplies and folds).
        Window deep = new Window(3, 12, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1);
        c.add(new Parity.Case("conv2d and conv2dBackwardData and conv2dBackwardWeight 12 channels", "fused", SUMS, SUMS_WHY,
                be -> conv(be, deep, 4)));
        // More positions than one GEMM column block holds, and a ragged last sliver.
        Window wide = new Window(1, 3, 31, 31, 3, 3, 1, 1, 1, 1, 1, 1);
        c.add(new Parity.Case("conv2d and conv2dBackwardData and conv2dBackwardWeight 3x31x31", "fused",
                new Tolerance(1e-4, 1e-4), "each weight gradient sums 961 products in another order", be -> conv(be, wide, 8)));
        for (boolean training : new boolean[] {true, false}) {
            for (int[] s : new int[][] {{7, 5, 1}, {4, 3, 33}, {1, 2, 9}}) {
                Tolerance t = new Tolerance(2e-5, 2e-5);
                c.add(new Parity.Case("batchNorm and batchNormBackward " + (training ? "training" : "evaluation") + " " + Arrays.toString(s), "fused", t,
                        "statistics summed in another order, then divided by a standard deviation", be -> batchNorm(be, s, training)));
            }
        }
        for (boolean training : new boolean[] {true, false}) {
            // 4x3x33: a whole vector of positions and a ragged tail; about half the normalized values are negative.
            int[] s = {4, 3, 33};
            c.add(new Parity.Case("batchNormRelu and batchNormReluBackward " + (training ? "training" : "evaluation"), "fused",
                    new Tolerance(2e-5, 2e-5), "statistics summed in another order, then divided by a standard deviation",
                    be -> batchNormRelu(be, s, training)));
        }
        c.add(new Parity.Case("batchNorm and batchNormBackward at 4096 +- 0.01", "fused", new Tolerance(2e-5, 2e-5), "shifted sums in another order",
                be -> {
                    int[] s = {16, 2, 65};
                    return batchNorm(be, s, true, values(16 * 2 * 65, 16, 4096f - 0.01f, 4096f + 0.01f), false);
                }));
        c.add(new Parity.Case("reluBackward", "fused", EXACT, "the same product", be -> {
            int n = 4097;
            float[] x = special(n, 29);
            float[] dy = values(n, 28, -2, 2);
            // Every special x against a finite dy, then every special dy against the next special x.
            float[] sdy = special(11, 28);
            for (int i = 0; i < 11; i++) {
                dy[11 + i] = sdy[i];
                x[11 + i] = x[(i + 1) % 11];
            }
            Storage dx = be.allocate(DType.F32, n);
            be.reluBackward(View.contiguous(upload(be, dy), n), View.contiguous(upload(be, x), n), dx);
            Storage t = be.allocate(DType.F32, 42);
            be.reluBackward(View.contiguous(upload(be, values(42, 30, -1, 1)), 6, 7),
                    Tensor.wrap(upload(be, special(42, 31)), DType.F32, 7, 6).t().view(), t);
            return out("contiguous", dx, "transposed", t);
        }));
        c.add(new Parity.Case("dropout", "fused", EXACT, "masks are bit-exact", be -> {
            Storage o = be.allocate(DType.F32, 4097);
            be.dropout(View.contiguous(upload(be, special(4097, 17)), 4097), 0.3f, 0xfeed, 12345, o);
            // The backward pass: the same key on other values (a backend may keep the forward's mask for it).
            Storage back = be.allocate(DType.F32, 4097);
            be.dropout(View.contiguous(upload(be, values(4097, 32, -1, 1)), 4097), 0.3f, 0xfeed, 12345, back);
            Storage t = be.allocate(DType.F32, 42);
            be.dropout(Tensor.wrap(upload(be, special(42, 18)), DType.F32, 6, 7).t().view(), 0.5f, 17, 3, t);
            return out("contiguous", o, "same key again", back, "transposed", t);
        }));
        return c;
    }

    /** A contiguous input (the CPU's per-image path) and a permuted one (any strides), the same values. */
    private static Map<String, float[]> conv(Backend be, Window g, int cout) {
        int n = g.n();
        float[] xv = values(n * g.c() * g.h() * g.w(), 25, -2, 2);
        View dense = View.contiguous(upload(be, xv), n, g.c(), g.h(), g.w());
        View strided = Tensor.wrap(upload(be, xv), DType.F32, n, g.h(), g.w(), g.c()).permute(0, 3, 1, 2).view();
        Storage w = upload(be, values(cout * g.patch(), 26, -1, 1));
        long outs = (long) n * cout * g.positions();
        Storage dy = upload(be, values((int) outs, 27, -1, 1));
        Storage y = be.allocate(DType.F32, outs);
        Storage ys = be.allocate(DType.F32, outs);
        be.conv2d(dense, w, g, cout, y);
        be.conv2d(strided, w, g, cout, ys);
        Storage dx = be.allocate(DType.F32, (long) n * g.c() * g.h() * g.w());
        be.conv2dBackwardData(dy, w, g, cout, dx);
        Storage dw = be.allocate(DType.F32, (long) cout * g.patch());
        Storage dws = be.allocate(DType.F32, (long) cout * g.patch());
        be.conv2dBackwardWeight(dense, dy, g, cout, dw);
        be.conv2dBackwardWeight(strided, dy, g, cout, dws);
        return out("y", y, "y from strided x", ys, "dx", dx, "dw", dw, "dw from strided x", dws);
    }

    private static Map<String, float[]> batchNorm(Backend be, int[] s, boolean training) {
        return batchNorm(be, s, training, values(s[0] * s[1] * s[2], 19, -2, 3), false);
    }

    private static Map<String, float[]> batchNormRelu(Backend be, int[] s, boolean training) {
        return batchNorm(be, s, training, values(s[0] * s[1] * s[2], 19, -2, 3), true);
    }

    /**
     * batchNorm and its backward, or with {@code relu} the fused pair, plus (for the pair) an evaluation-mode
     * backward of special gradients: infinities times ReLU's zero give NaN, as in the composite.
     */
    private static Map<String, float[]> batchNorm(Backend be, int[] s, boolean training, float[] xv, boolean relu) {
        int total = s[0] * s[1] * s[2];
        int c = s[1];
        View x = View.contiguous(upload(be, xv), s);
        Storage gamma = upload(be, values(c, 20, 0.5f, 1.5f));
        Storage beta = upload(be, values(c, 21, -0.5f, 0.5f));
        Storage rm = upload(be, values(c, 22, -0.1f, 0.1f));
        Storage rv = upload(be, values(c, 23, 0.5f, 1.5f));
        Storage o = be.allocate(DType.F32, total);
        Storage mean = be.allocate(DType.F32, c);
        Storage inv = be.allocate(DType.F32, c);
        Storage dx = be.allocate(DType.F32, total);
        Storage dg = be.allocate(DType.F32, c);
        Storage db = be.allocate(DType.F32, c);
        Storage dy = upload(be, values(total, 24, -1, 1));
        if (!relu) {
            be.batchNorm(x, gamma, beta, rm, rv, training, 0.1f, 1e-5f, o, mean, inv);
            be.batchNormBackward(x, dy, gamma, mean, inv, training, dx, dg, db);
            return out("out", o, "saved mean", mean, "saved inverse std", inv, "running mean", rm, "running var", rv,
                    "dx", dx, "dgamma", dg, "dbeta", db);
        }
        be.batchNormRelu(x, gamma, beta, rm, rv, training, 0.1f, 1e-5f, o, mean, inv);
        be.batchNormReluBackward(x, o, dy, gamma, beta, mean, inv, training, dx, dg, db);
        float[] special = values(total, 25, -1, 1);
        System.arraycopy(special(11, 26), 0, special, total - 11, 11);
        Storage dxSpecial = be.allocate(DType.F32, total);
        be.batchNormReluBackward(x, o, upload(be, special), gamma, beta, mean, inv, false, dxSpecial, be.allocate(DType.F32, c),
                be.allocate(DType.F32, c));
        return out("out", o, "saved mean", mean, "saved inverse std", inv, "running mean", rm, "running var", rv,
                "dx", dx, "dgamma", dg, "dbeta", db, "dx of special gradients (evaluation)", dxSpecial);
    }

    /** maxPool2d of contiguous {@code x} and its backward for the gradient {@code dy}. */
    private static Map<String, float[]> maxPool(Backend be, Window g, float[] x, float[] dy) {
        long outs = (long) g.n() * g.c() * g.positions();
        Storage o = be.allocate(DType.F32, outs);
        Storage idx = be.allocate(DType.I32, outs);
        be.maxPool2d(View.contiguous(upload(be, x), g.n(), g.c(), g.h(), g.w()), g, o, idx);
        Storage dx = be.allocate(DType.F32, x.length);
        be.maxPool2dBackward(upload(be, dy), idx, g, dx);
        return out("out", o, "indices", idx, "dx", dx);
    }
}

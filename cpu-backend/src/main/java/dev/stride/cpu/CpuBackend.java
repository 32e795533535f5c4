package dev.stride.cpu;

import dev.stride.backend.Backend;
import dev.stride.backend.BinaryOp;
import dev.stride.backend.Distribution;
import dev.stride.backend.Gemm;
import dev.stride.backend.ReduceOp;
import dev.stride.backend.Storage;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.Update;
import dev.stride.backend.View;
import dev.stride.backend.Window;
import dev.stride.random.Philox;
import dev.stride.tensor.DType;
import java.util.Arrays;
import java.util.List;

/** The reference backend: plain Java arrays, one fork-join pool, every fused op overridden. */
public final class CpuBackend implements Backend {
    @Override
    public String name() {
        return "cpu";
    }

    /** Waits for the JIT warm-up its provider started in the background (see {@link CpuWarmup}). */
    @Override
    public void ready() {
        CpuWarmup.await();
    }

    /** Without them, the warm-up leaves out convolution, pooling, batch norm and dropout from its next round on. */
    @Override
    public void expect(boolean spatialOps) {
        CpuWarmup.spatial = spatialOps;
    }

    /** Its state is the fork-join pool alone, so any thread may call it. */
    @Override
    public boolean threadSafe() {
        return true;
    }

    @Override
    public Storage allocate(DType dtype, long numel) {
        return new CpuStorage(this, dtype, numel);
    }

    private static CpuStorage cpu(Storage s) {
        if (!(s instanceof CpuStorage c)) {
            throw new IllegalArgumentException("cpu: " + s + " belongs to another backend");
        }
        s.checkOpen("cpu backend");
        return c;
    }

    private static float[] f32(Storage s) {
        CpuStorage c = cpu(s);
        return checked(c, c.f());
    }

    /**
     * An output the op writes in full, {@code written} elements from the start: a pooled array is handed over
     * uncleared (see {@link CpuStorage#whole()}). A storage with more elements than that is cleared as usual.
     */
    private static float[] out(Storage s, long written) {
        CpuStorage c = cpu(s);
        return checked(c, c.numel() == written ? c.whole() : c.f());
    }

    private static float[] checked(CpuStorage c, float[] a) {
        if (a == null) c.checkOpen("cpu");
        if (a == null) throw new IllegalArgumentException("cpu: expected F32 storage, got " + c.dtype());
        return a;
    }

    private static int[] i32(Storage s) {
        CpuStorage c = cpu(s);
        if (c.i == null) throw new IllegalArgumentException("cpu: expected I32 storage, got " + c.dtype());
        return c.i;
    }

    @Override
    public void write(Storage dst, long dstOffset, float[] src, int srcOffset, int n) {
        System.arraycopy(src, srcOffset, dstOffset == 0 ? out(dst, n) : f32(dst), (int) dstOffset, n);
    }

    @Override
    public void write(Storage dst, long dstOffset, int[] src, int srcOffset, int n) {
        System.arraycopy(src, srcOffset, i32(dst), (int) dstOffset, n);
    }

    @Override
    public void read(Storage src, long srcOffset, float[] dst, int dstOffset, int n) {
        System.arraycopy(f32(src), (int) srcOffset, dst, dstOffset, n);
    }

    @Override
    public void read(Storage src, long srcOffset, int[] dst, int dstOffset, int n) {
        System.arraycopy(i32(src), (int) srcOffset, dst, dstOffset, n);
    }

    @Override
    public void fill(Storage dst, long offset, long n, float value) {
        CpuStorage c = cpu(dst);
        float[] a = offset == 0 && n == c.numel() ? c.whole() : c.f();
        if (a != null) Arrays.fill(a, (int) offset, (int) (offset + n), value);
        else Arrays.fill(c.i, (int) offset, (int) (offset + n), (int) value);
    }

    @Override
    public void copy(View src, View dst) {
        CpuStorage d = cpu(dst.storage());
        cpu(src.storage());
        if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("copy: " + src.storage().dtype() + " " + Arrays.toString(src.shape())
                    + " into " + d.dtype() + " " + Arrays.toString(dst.shape()));
        }
        CpuElementwise.copy(src, dst);
    }

    @Override
    public void unary(UnaryOp op, View x, Storage out) {
        f32(x.storage());
        CpuElementwise.unary(op, x, out(out, x.numel()));
    }

    @Override
    public void binary(BinaryOp op, View a, View b, Storage out) {
        f32(a.storage());
        f32(b.storage());
        CpuElementwise.binary(op, a, b, out(out, Math.max(a.numel(), b.numel())));
    }

    @Override
    public void binary(BinaryOp op, View a, float b, Storage out) {
        f32(a.storage());
        CpuElementwise.binary(op, a, b, out(out, a.numel()));
    }

    @Override
    public void reduce(ReduceOp op, View x, int[] axes, Storage out) {
        f32(x.storage());
        CpuReduce.reduce(op, x, axes, cpu(out));
    }

    @Override
    public void gemm(Gemm g) {
        f32(g.a());
        f32(g.b());
        boolean whole = g.beta() == 0f && g.cOffset() == 0 && g.ldc() == g.n() && g.cBatchStride() == (long) g.m() * g.n();
        if (whole) out(g.c(), (long) g.batch() * g.m() * g.n());
        else f32(g.c());
        CpuGemm.gemm(g);
    }

    @Override
    public void gather(Storage x, Storage index, Storage out, int rows, int cols) {
        float[] src = f32(x);
        int[] idx = i32(index);
        float[] o = f32(out);
        for (int r = 0; r < rows; r++) {
            o[r] = src[r * cols + checkIndex("gather", idx[r], r, cols)];
        }
    }

    @Override
    public void scatterAdd(Storage src, Storage index, Storage out, int rows, int cols) {
        float[] s = f32(src);
        int[] idx = i32(index);
        float[] o = f32(out);
        for (int r = 0; r < rows; r++) o[r * cols + checkIndex("scatterAdd", idx[r], r, cols)] += s[r];
    }

    private static int checkIndex(String op, int index, int row, int cols) {
        if (index < 0 || index >= cols) {
            throw new IllegalArgumentException(op + ": index " + index + " in row " + row + " is outside [0, " + cols + ")");
        }
        return index;
    }

    @Override
    public void random(Distribution dist, long seed, long offset, float a, float b, Storage out, long n) {
        float[] o = out(out, n);
        if (dist == Distribution.KEEP_MASK) {
            keepMask(seed, offset, b, a, null, o, n, null);
            return;
        }
        long counters = dist.counters(n);
        Parallel.forRange(counters, 4096, (s, e) -> Philox.fill(dist == Distribution.NORMAL, seed, offset, a, b, o, n, s, e));
    }

    @Override
    public void softmaxCrossEntropy(View logits, Storage labels, Storage loss, Storage probs) {
        int rows = logits.shape()[0];
        int cols = logits.shape()[1];
        float[] x = dense(logits);
        int[] y = i32(labels);
        float[] l = out(loss, rows);
        float[] p = out(probs, (long) rows * cols);
        Parallel.forRange(rows, Math.max(1, 4096 / Math.max(cols, 1)), (s, e) -> {
            for (int r = (int) s; r < e; r++) {
                int off = r * cols;
                int label = checkIndex("softmaxCrossEntropy", y[r], r, cols);
                double sum;
                float max;
                if (CpuGemm.VECTOR) {
                    max = VectorMath.max(x, off, cols);
                    sum = VectorMath.expShifted(x, max, p, off, cols);
                } else {
                    max = Float.NEGATIVE_INFINITY;
                    for (int c = 0; c < cols; c++) max = Math.max(max, x[off + c]);
                    sum = 0;
                    for (int c = 0; c < cols; c++) {
                        float ez = (float) Math.exp(x[off + c] - max);
                        p[off + c] = ez;
                        sum += ez;
                    }
                }
                float inv = (float) (1 / sum);
                for (int c = 0; c < cols; c++) p[off + c] *= inv;
                l[r] = (float) (Math.log(sum) - (x[off + label] - max));
            }
        });
    }

    /** The view's elements as a dense array: its own array when it is one already, else a copy for this call. */
    private float[] dense(View v) {
        if (v.offset() == 0 && v.isContiguous()) return f32(v.storage());
        CpuStorage s = new CpuStorage(this, DType.F32, v.numel());
        copy(v, View.contiguous(s, v.shape()));
        return s.f();
    }

    @Override
    public void softmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gradLoss, Storage gradLogits,
                                            int rows, int cols) {
        float[] p = f32(probs);
        int[] y = i32(labels);
        float[] g = f32(gradLoss);
        float[] o = out(gradLogits, (long) rows * cols);
        Parallel.forRange(rows, Math.max(1, 4096 / Math.max(cols, 1)), (s, e) -> {
            for (int r = (int) s; r < e; r++) {
                int off = r * cols;
                float gr = g[r];
                for (int c = 0; c < cols; c++) o[off + c] = gr * p[off + c];
                o[off + y[r]] -= gr;
            }
        });
    }

    @Override
    public void optimizerStep(Update rule, List<Storage> params, List<Storage> grads, List<Storage[]> state) {
        CpuOptim.step(rule, params, grads, state);
    }

    /** Philox counters per block of scalar words: four long arrays of it stay in L1. */
    private static final int BLOCK = 256;

    /** {@code out[i] = scale·[word_i >= floor(p·2^32)]·(x == null ? 1 : x[i])}: the dropout mask, fused with its product. */
    private static void keepMask(long seed, long offset, float p, float scale, float[] x, float[] out, long n, byte[] kept) {
        long threshold = Philox.dropThreshold(p);
        long whole = n / 4;
        Parallel.forRange((n + 3) / 4, 2048, (s, e) -> {
            long c = CpuGemm.VECTOR ? VectorPhilox.dropout(seed, offset, s, Math.min(e, whole), threshold, scale, x, out, kept) : s;
            // The counters left (all of them without the Vector API, else a ragged end), in blocks of scalar words.
            long[][] wide = c < e ? new long[4][(int) Math.min(BLOCK, e - c)] : null;
            for (; c < e; c += BLOCK) {
                int count = (int) Math.min(BLOCK, e - c);
                Philox.blocks(seed, offset, c, count, wide[0], wide[1], wide[2], wide[3]);
                for (int i = 0; i < count; i++) {
                    for (int j = 0; j < 4 && 4 * (c + i) + j < n; j++) {
                        int o = (int) (4 * (c + i) + j);
                        int word = (int) wide[j][i];
                        out[o] = factor(x, o) * keep(word, threshold, scale);
                        if (kept != null) kept[o] = bit(word, threshold);
                    }
                }
            }
        });
    }

    /** x[o], or 1 for a bare mask; the null test is loop-invariant, so C2 hoists it out of the loops above. */
    private static float factor(float[] x, int o) {
        return x == null ? 1f : x[o];
    }

    /** 1 when the word, unsigned, is at least the threshold, else 0. */
    private static byte bit(int word, long threshold) {
        return (byte) ((threshold - 1 - (word & 0xFFFFFFFFL)) >>> 63);
    }

    /** {@code scale} when the word is at least the threshold, else 0: the sign of (threshold − 1 − word), no branch. */
    private static float keep(int word, long threshold, float scale) {
        return scale * (int) ((threshold - 1 - (word & 0xFFFFFFFFL)) >>> 63);
    }

    @Override
    public void reluBackward(View dy, View x, Storage dx) {
        if (!dy.isContiguous() || !x.isContiguous()) {
            Backend.super.reluBackward(dy, x, dx);
            return;
        }
        float[] g = f32(dy.storage());
        float[] v = f32(x.storage());
        float[] o = out(dx, x.numel());
        int go = (int) dy.offset();
        int xo = (int) x.offset();
        Parallel.forRange(x.numel(), CpuElementwise.GRAIN, (s, e) -> {
            int end = (int) e;
            int i = CpuGemm.VECTOR ? VectorMath.reluBackward(g, go, v, xo, o, (int) s, end) : (int) s;
            for (; i < end; i++) o[i] = g[go + i] * CpuElementwise.step(v[xo + i]);
        });
    }

    @Override
    public void dropout(View x, float p, long seed, long offset, Storage out) {
        long n = x.numel();
        float scale = 1 / (1 - p);
        float[] src = dense(x);
        float[] o = out(out, n);
        Kept last = kept.get();
        if (last != null && last.matches(seed, offset, p, n) && kept.compareAndSet(last, null)) {
            byte[] keep = last.keep;
            Parallel.forRange(n, CpuElementwise.GRAIN, (s, e) -> {
                int end = (int) e;
                int i = CpuGemm.VECTOR ? VectorPhilox.applyKept(src, keep, scale, o, (int) s, end) : (int) s;
                for (; i < end; i++) o[i] = src[i] * (scale * keep[i]);
            });
            return;
        }
        byte[] keep = last != null && last.keep.length == n && kept.compareAndSet(last, null) ? last.keep : new byte[(int) n];
        keepMask(seed, offset, p, scale, src, o, n, keep);
        kept.set(new Kept(seed, offset, p, n, keep));
    }

    /**
     * The keep mask of the last dropout call. Its backward pass is the same call on dy with the same Philox key, and
     * finds the mask here instead of drawing it again (PyTorch keeps its mask too); a key that differs draws anew, so
     * the result is the same bits either way.
     */
    private record Kept(long seed, long offset, float p, long n, byte[] keep) {
        boolean matches(long seed, long offset, float p, long n) {
            return this.seed == seed && this.offset == offset && this.p == p && this.n == n;
        }
    }

    private final java.util.concurrent.atomic.AtomicReference<Kept> kept = new java.util.concurrent.atomic.AtomicReference<>();

    @Override
    public void im2col(View x, Window g, float padValue, Storage cols) {
        f32(x.storage());
        CpuWindow.im2col(x, g, padValue, out(cols, (long) g.n() * g.patch() * g.positions()));
    }

    @Override
    public void col2im(Storage cols, Window g, Storage dx) {
        CpuWindow.col2im(f32(cols), g, out(dx, (long) g.n() * g.c() * g.h() * g.w()));
    }

    @Override
    public void conv2d(View x, Storage w, Window g, int cout, Storage y) {
        if (!CpuGemm.VECTOR || !x.isContiguous()) {
            Backend.super.conv2d(x, w, g, cout, y);
            return;
        }
        CpuConv.forward(f32(x.storage()), (int) x.offset(), f32(w), g, cout, out(y, (long) g.n() * cout * g.positions()));
    }

    @Override
    public void conv2dBackwardData(Storage dy, Storage w, Window g, int cout, Storage dx) {
        if (!CpuGemm.VECTOR) {
            Backend.super.conv2dBackwardData(dy, w, g, cout, dx);
            return;
        }
        CpuConv.backwardData(f32(dy), f32(w), g, cout, out(dx, (long) g.n() * g.c() * g.h() * g.w()));
    }

    @Override
    public void conv2dBackwardWeight(View x, Storage dy, Window g, int cout, Storage dw) {
        if (!CpuGemm.VECTOR || !x.isContiguous()) {
            Backend.super.conv2dBackwardWeight(x, dy, g, cout, dw);
            return;
        }
        CpuConv.backwardWeight(f32(x.storage()), (int) x.offset(), f32(dy), g, cout, out(dw, (long) cout * g.patch()));
    }

    @Override
    public void maxPool2d(View x, Window g, Storage out, Storage indices) {
        f32(x.storage());
        CpuWindow.maxPool(x, g, out(out, (long) g.n() * g.c() * g.positions()), i32(indices));
    }

    @Override
    public void maxPool2dBackward(Storage dy, Storage indices, Window g, Storage dx) {
        CpuWindow.maxPoolBackward(f32(dy), i32(indices), g, out(dx, (long) g.n() * g.c() * g.h() * g.w()));
    }

    @Override
    public void batchNorm(View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, boolean training,
                          float momentum, float eps, Storage out, Storage saveMean, Storage saveInvStd) {
        batchNorm(x, gamma, beta, runningMean, runningVar, training, momentum, eps, false, out, saveMean, saveInvStd);
    }

    @Override
    public void batchNormRelu(View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, boolean training,
                              float momentum, float eps, Storage out, Storage saveMean, Storage saveInvStd) {
        batchNorm(x, gamma, beta, runningMean, runningVar, training, momentum, eps, true, out, saveMean, saveInvStd);
    }

    private void batchNorm(View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, boolean training,
                           float momentum, float eps, boolean relu, Storage out, Storage saveMean, Storage saveInvStd) {
        int[] s = x.shape();
        CpuNorm.forward(dense(x), s[0], s[1], s[2], f32(gamma), f32(beta), f32(runningMean), f32(runningVar),
                training, momentum, eps, relu, out(out, x.numel()), out(saveMean, s[1]), out(saveInvStd, s[1]));
    }

    @Override
    public void batchNormBackward(View x, Storage dy, Storage gamma, Storage saveMean, Storage saveInvStd, boolean training,
                                  Storage dx, Storage dgamma, Storage dbeta) {
        batchNormBackward(x, null, dy, gamma, saveMean, saveInvStd, training, dx, dgamma, dbeta);
    }

    @Override
    public void batchNormReluBackward(View x, Storage y, Storage dy, Storage gamma, Storage beta, Storage saveMean,
                                      Storage saveInvStd, boolean training, Storage dx, Storage dgamma, Storage dbeta) {
        // ReLU's step recomputed from x: y would be a third activation-sized array read twice.
        batchNormBackward(x, f32(beta), dy, gamma, saveMean, saveInvStd, training, dx, dgamma, dbeta);
    }

    private void batchNormBackward(View x, float[] beta, Storage dy, Storage gamma, Storage saveMean, Storage saveInvStd,
                                   boolean training, Storage dx, Storage dgamma, Storage dbeta) {
        int[] s = x.shape();
        CpuNorm.backward(dense(x), f32(dy), beta, s[0], s[1], s[2], f32(gamma), f32(saveMean), f32(saveInvStd), training,
                out(dx, x.numel()), out(dgamma, s[1]), out(dbeta, s[1]));
    }
}

package dev.stride.testing;

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
import dev.stride.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps any backend to count and check what core asks of it: allocations, live storages and bytes (and their peak),
 * host reads and writes; every call checks that its storages are still open and fails naming the call and the
 * storage when one was closed. A storage that nobody released but the garbage collector found is counted as
 * {@link #collected()}: the Cleaner safety net caught a leak. Fused ops are forwarded, so the wrapped backend's own
 * overrides run. Tensors made on this backend route every op through it; it is a backend of its own (mixing its
 * tensors with the wrapped backend's is an error, as between any two backends). It also times each call by op
 * ({@link #nanosByOp()}), which is what {@code stride bench --ops} prints for a training step.
 */
public final class CountingBackend implements Backend {
    private final Backend inner;
    private final Counters counters = new Counters();

    public CountingBackend(Backend inner) {
        this.inner = inner;
    }

    /** The numbers so far; {@link #reads()} and {@link #writes()} count host transfers (each read is a sync). */
    private static final class Counters {
        final AtomicLong allocations = new AtomicLong();
        final AtomicLong live = new AtomicLong();
        final AtomicLong liveBytes = new AtomicLong();
        final AtomicLong peakBytes = new AtomicLong();
        final AtomicLong reads = new AtomicLong();
        final AtomicLong writes = new AtomicLong();
        final AtomicLong collected = new AtomicLong();
    }

    public long allocations() {
        return counters.allocations.get();
    }

    public long liveStorages() {
        return counters.live.get();
    }

    public long liveBytes() {
        return counters.liveBytes.get();
    }

    public long peakBytes() {
        return counters.peakBytes.get();
    }

    public long reads() {
        return counters.reads.get();
    }

    public long writes() {
        return counters.writes.get();
    }

    public long collected() {
        return counters.collected.get();
    }

    /**
     * Nanoseconds spent in the wrapped backend's calls so far, by op name (a GPU backend's calls return once queued,
     * so its times mean something only around a synchronizing call).
     */
    public java.util.Map<String, Long> nanosByOp() {
        return new java.util.TreeMap<>(nanos);
    }

    public void resetTimes() {
        nanos.clear();
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Long> nanos = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.Set<Integer>> extents =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The lengths of the last axis each elementwise op, reduction and copy was called with, by op and operator
     * ({@code "binary ADD"}, {@code "binary DIV scalar"}, {@code "reduce SUM"}) or, for a copy, its last-axis strides:
     * which branches a backend's kernels took, for checking that a JIT warm-up takes the same ones.
     */
    public java.util.Map<String, java.util.Set<Integer>> lastExtents() {
        java.util.Map<String, java.util.Set<Integer>> copy = new java.util.TreeMap<>();
        extents.forEach((k, v) -> copy.put(k, java.util.Set.copyOf(v)));
        return copy;
    }

    /** A view's last-axis stride as a kernel sees it: 0 (repeated), 1 (dense) or more. */
    private static String lastStride(View v) {
        long s = v.strides().length == 0 ? 1 : v.strides()[v.strides().length - 1];
        return s == 0 || s == 1 ? Long.toString(s) : "n";
    }

    private void extent(String op, View x) {
        int[] shape = x.shape();
        extents.computeIfAbsent(op, k -> java.util.concurrent.ConcurrentHashMap.newKeySet())
                .add(shape.length == 0 ? 1 : shape[shape.length - 1]);
    }

    private void timed(String op, Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        nanos.merge(op, System.nanoTime() - t0, Long::sum);
    }

    /** Releases the wrapped storage and counts it gone; runs once, on the last release or from the Cleaner. */
    private static final class Free implements Runnable {
        final Storage inner;
        final Counters counters;
        volatile boolean released;

        Free(Storage inner, Counters counters) {
            this.inner = inner;
            this.counters = counters;
        }

        @Override
        public void run() {
            if (!released) counters.collected.incrementAndGet();
            counters.live.decrementAndGet();
            counters.liveBytes.addAndGet(-inner.bytes());
            inner.release();
        }
    }

    private static final class Counted extends Storage {
        final Storage inner;
        final Free free;

        Counted(CountingBackend owner, Storage inner, Free free) {
            super(owner, inner.dtype(), inner.numel(), free);
            this.inner = inner;
            this.free = free;
        }

        @Override
        protected void released() {
            free.released = true;
        }
    }

    /** The wrapped storage, after checking that {@code s} is one of ours and still open. */
    private Storage in(String op, Storage s) {
        if (!(s instanceof Counted c) || s.backend() != this) {
            throw new IllegalArgumentException(op + ": " + s + " does not belong to backend " + name());
        }
        s.checkOpen(op);
        return c.inner;
    }

    private View in(String op, View v) {
        return new View(in(op, v.storage()), v.offset(), v.shape(), v.strides());
    }

    @Override
    public String name() {
        return "counting(" + inner.name() + ")";
    }

    @Override
    public boolean threadSafe() {
        return inner.threadSafe();
    }

    @Override
    public Storage allocate(DType dtype, long numel) {
        long t0 = System.nanoTime();
        Storage s = inner.allocate(dtype, numel);
        nanos.merge("allocate", System.nanoTime() - t0, Long::sum);
        counters.allocations.incrementAndGet();
        counters.live.incrementAndGet();
        long bytes = counters.liveBytes.addAndGet(s.bytes());
        counters.peakBytes.accumulateAndGet(bytes, Math::max);
        return new Counted(this, s, new Free(s, counters));
    }

    @Override
    public void write(Storage dst, long dstOffset, float[] src, int srcOffset, int n) {
        counters.writes.incrementAndGet();
        timed("write", () -> inner.write(in("write", dst), dstOffset, src, srcOffset, n));
    }

    @Override
    public void write(Storage dst, long dstOffset, int[] src, int srcOffset, int n) {
        counters.writes.incrementAndGet();
        timed("write", () -> inner.write(in("write", dst), dstOffset, src, srcOffset, n));
    }

    @Override
    public void read(Storage src, long srcOffset, float[] dst, int dstOffset, int n) {
        counters.reads.incrementAndGet();
        timed("read", () -> inner.read(in("read", src), srcOffset, dst, dstOffset, n));
    }

    @Override
    public void read(Storage src, long srcOffset, int[] dst, int dstOffset, int n) {
        counters.reads.incrementAndGet();
        timed("read", () -> inner.read(in("read", src), srcOffset, dst, dstOffset, n));
    }

    @Override
    public void fill(Storage dst, long offset, long n, float value) {
        timed("fill", () -> inner.fill(in("fill", dst), offset, n, value));
    }

    @Override
    public void copy(View src, View dst) {
        extent("copy, last-axis strides " + lastStride(src) + " to " + lastStride(dst), dst);
        timed("copy", () -> inner.copy(in("copy", src), in("copy", dst)));
    }

    @Override
    public void unary(UnaryOp op, View x, Storage out) {
        String name = "unary " + op;
        extent(name, x);
        timed("unary", () -> inner.unary(op, in(name, x), in(name, out)));
    }

    @Override
    public void binary(BinaryOp op, View a, View b, Storage out) {
        String name = "binary " + op;
        extent(name, a);
        timed("binary", () -> inner.binary(op, in(name, a), in(name, b), in(name, out)));
    }

    @Override
    public void binary(BinaryOp op, View a, float b, Storage out) {
        String name = "binary " + op;
        extent(name + " scalar", a);
        timed("binary", () -> inner.binary(op, in(name, a), b, in(name, out)));
    }

    @Override
    public void reduce(ReduceOp op, View x, int[] axes, Storage out) {
        String name = "reduce " + op;
        extent(name, x);
        timed("reduce", () -> inner.reduce(op, in(name, x), axes, in(name, out)));
    }

    @Override
    public void gemm(Gemm g) {
        timed("gemm", () -> inner.gemm(new Gemm(g.batch(), g.m(), g.n(), g.k(), g.alpha(),
                in("gemm", g.a()), g.aOffset(), g.lda(), g.aBatchStride(), g.transA(),
                in("gemm", g.b()), g.bOffset(), g.ldb(), g.bBatchStride(), g.transB(),
                g.beta(), in("gemm", g.c()), g.cOffset(), g.ldc(), g.cBatchStride())));
    }

    @Override
    public void gather(Storage x, Storage index, Storage out, int rows, int cols) {
        timed("gather", () -> inner.gather(in("gather", x), in("gather", index), in("gather", out), rows, cols));
    }

    @Override
    public void scatterAdd(Storage src, Storage index, Storage out, int rows, int cols) {
        timed("scatterAdd", () -> inner.scatterAdd(in("scatterAdd", src), in("scatterAdd", index), in("scatterAdd", out), rows, cols));
    }

    @Override
    public void random(Distribution dist, long seed, long offset, float a, float b, Storage out, long n) {
        timed("random", () -> inner.random(dist, seed, offset, a, b, in("random", out), n));
    }

    @Override
    public void synchronize() {
        timed("synchronize", () -> inner.synchronize());
    }

    @Override
    public void ready() {
        inner.ready();
    }

    @Override
    public void expect(boolean spatialOps) {
        inner.expect(spatialOps);
    }

    @Override
    public void softmaxCrossEntropy(View logits, Storage labels, Storage loss, Storage probs) {
        String op = "softmaxCrossEntropy";
        timed("softmaxCrossEntropy", () -> inner.softmaxCrossEntropy(in(op, logits), in(op, labels), in(op, loss), in(op, probs)));
    }

    @Override
    public void softmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gradLoss, Storage gradLogits, int rows, int cols) {
        String op = "softmaxCrossEntropyBackward";
        timed("softmaxCrossEntropyBackward", () -> inner.softmaxCrossEntropyBackward(in(op, probs), in(op, labels), in(op, gradLoss), in(op, gradLogits), rows, cols));
    }

    @Override
    public void optimizerStep(Update rule, List<Storage> params, List<Storage> grads, List<Storage[]> state) {
        String op = "optimizerStep";
        List<Storage> p = new ArrayList<>(params.size());
        List<Storage> g = new ArrayList<>(grads.size());
        List<Storage[]> s = new ArrayList<>(state.size());
        for (Storage x : params) p.add(in(op, x));
        for (Storage x : grads) g.add(in(op, x));
        for (Storage[] slots : state) {
            Storage[] u = new Storage[slots.length];
            for (int k = 0; k < u.length; k++) u[k] = in(op, slots[k]);
            s.add(u);
        }
        timed("optimizerStep", () -> inner.optimizerStep(rule, p, g, s));
    }

    @Override
    public void im2col(View x, Window g, float padValue, Storage cols) {
        timed("im2col", () -> inner.im2col(in("im2col", x), g, padValue, in("im2col", cols)));
    }

    @Override
    public void col2im(Storage cols, Window g, Storage dx) {
        timed("col2im", () -> inner.col2im(in("col2im", cols), g, in("col2im", dx)));
    }

    @Override
    public void conv2d(View x, Storage w, Window g, int cout, Storage y) {
        timed("conv2d", () -> inner.conv2d(in("conv2d", x), in("conv2d", w), g, cout, in("conv2d", y)));
    }

    @Override
    public void conv2dBackwardData(Storage dy, Storage w, Window g, int cout, Storage dx) {
        String op = "conv2dBackwardData";
        timed("conv2dBackwardData", () -> inner.conv2dBackwardData(in(op, dy), in(op, w), g, cout, in(op, dx)));
    }

    @Override
    public void conv2dBackwardWeight(View x, Storage dy, Window g, int cout, Storage dw) {
        String op = "conv2dBackwardWeight";
        timed("conv2dBackwardWeight", () -> inner.conv2dBackwardWeight(in(op, x), in(op, dy), g, cout, in(op, dw)));
    }

    @Override
    public void maxPool2d(View x, Window g, Storage out, Storage indices) {
        timed("maxPool2d", () -> inner.maxPool2d(in("maxPool2d", x), g, in("maxPool2d", out), in("maxPool2d", indices)));
    }

    @Override
    public void maxPool2dBackward(Storage dy, Storage indices, Window g, Storage dx) {
        String op = "maxPool2dBackward";
        timed("maxPool2dBackward", () -> inner.maxPool2dBackward(in(op, dy), in(op, indices), g, in(op, dx)));
    }

    @Override
    public void batchNorm(View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, boolean training,
                          float momentum, float eps, Storage out, Storage saveMean, Storage saveInvStd) {
        String op = "batchNorm";
        timed("batchNorm", () -> inner.batchNorm(in(op, x), in(op, gamma), in(op, beta), in(op, runningMean), in(op, runningVar), training, momentum,
                eps, in(op, out), in(op, saveMean), in(op, saveInvStd)));
    }

    @Override
    public void batchNormBackward(View x, Storage dy, Storage gamma, Storage saveMean, Storage saveInvStd, boolean training,
                                  Storage dx, Storage dgamma, Storage dbeta) {
        String op = "batchNormBackward";
        timed("batchNormBackward", () -> inner.batchNormBackward(in(op, x), in(op, dy), in(op, gamma), in(op, saveMean), in(op, saveInvStd), training,
                in(op, dx), in(op, dgamma), in(op, dbeta)));
    }

    @Override
    public void batchNormRelu(View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, boolean training,
                              float momentum, float eps, Storage out, Storage saveMean, Storage saveInvStd) {
        String op = "batchNormRelu";
        timed(op, () -> inner.batchNormRelu(in(op, x), in(op, gamma), in(op, beta), in(op, runningMean), in(op, runningVar), training,
                momentum, eps, in(op, out), in(op, saveMean), in(op, saveInvStd)));
    }

    @Override
    public void batchNormReluBackward(View x, Storage y, Storage dy, Storage gamma, Storage beta, Storage saveMean,
                                      Storage saveInvStd, boolean training, Storage dx, Storage dgamma, Storage dbeta) {
        String op = "batchNormReluBackward";
        timed(op, () -> inner.batchNormReluBackward(in(op, x), in(op, y), in(op, dy), in(op, gamma), in(op, beta),
                in(op, saveMean), in(op, saveInvStd), training, in(op, dx), in(op, dgamma), in(op, dbeta)));
    }

    @Override
    public void reluBackward(View dy, View x, Storage dx) {
        timed("reluBackward", () -> inner.reluBackward(in("reluBackward", dy), in("reluBackward", x), in("reluBackward", dx)));
    }

    @Override
    public void dropout(View x, float p, long seed, long offset, Storage out) {
        timed("dropout", () -> inner.dropout(in("dropout", x), p, seed, offset, in("dropout", out)));
    }
}

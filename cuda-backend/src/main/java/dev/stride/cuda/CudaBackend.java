package dev.stride.cuda;

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
import dev.stride.kernels.Kernels;
import dev.stride.random.Philox;
import dev.stride.tensor.DType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Backend SPI on a {@link Gpu}: every primitive is a launch of a shipped kernel (kernels/src/main/cuda), the
 * same code on a real device and on the emulator. Fused ops not overridden here run their composite defaults,
 * which are built from these primitives. Memory comes from a caching {@link Allocator}. Calls queue on one stream;
 * {@link #read} and {@link #synchronize} wait, and report an index error a {@code gather} or {@code scatterAdd}
 * found since the last one. Called from one thread.
 */
public final class CudaBackend implements Backend {
    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 65535;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaBackend.class);

    private final Gpu gpu;
    private final Allocator allocator;
    private final Map<String, Object> modules = new HashMap<>();
    /** error[0] = first bad row + 1 of the last index op, error[1] its index. */
    private final long errorWord;
    private String pendingIndexOp;
    /** 64 or 128 when -Dstride.cuda.gemm.tile pins the SGEMM tile (to time both on one device), else 0: per product. */
    private final int gemmTile;

    CudaBackend(Gpu gpu) {
        String tile = System.getProperty("stride.cuda.gemm.tile", "auto");
        this.gemmTile = switch (tile) {
            case "auto" -> 0;
            case "64" -> 64;
            case "128" -> 128;
            default -> throw new IllegalArgumentException("-Dstride.cuda.gemm.tile=" + tile + ": expected 64, 128 or auto");
        };
        this.gpu = gpu;
        this.allocator = new Allocator(gpu);
        for (String family : Kernels.FAMILIES) modules.put(family, gpu.load(family, Kernels.ptx(family)));
        this.errorWord = allocator.allocate(8);
        gpu.zero(errorWord, 8);
        LOG.info("cuda: {}; GEMM: {}{}", gpu.describe(), gpu.gemmPath(), gemmTile == 0 ? "" : " (SGEMM tiles pinned to " + gemmTile + ")");
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** What runs underneath: the device and driver, or the emulator. */
    public String device() {
        return gpu.describe();
    }

    /** Which GEMM runs: cuBLAS, or Stride's kernel and why. */
    public String gemmPath() {
        return gpu.gemmPath();
    }

    /** The caching allocator's numbers. */
    public Allocator.Stats memoryStats() {
        return allocator.stats();
    }

    /** Hands cached device memory back to the driver. */
    public void emptyCache() {
        allocator.emptyCache();
    }

    private static CudaStorage cuda(String op, Storage s) {
        if (!(s instanceof CudaStorage c)) throw new IllegalArgumentException(op + ": " + s + " belongs to another backend");
        s.checkOpen(op);
        return c;
    }

    private static long address(String op, Storage s, long elementOffset) {
        return cuda(op, s).address + elementOffset * s.dtype().bytes();
    }

    private static int blocks(long work, int threads) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (work + threads - 1) / threads));
    }

    /**
     * A 1-D launch over {@code work} items: up to {@link #THREADS} a block (fewer, in whole warps, for small work,
     * which the emulator runs much faster), grid-stride beyond {@link #MAX_BLOCKS} blocks.
     */
    private void launch(String family, String kernel, long work, Object... args) {
        int threads = (int) Math.min(THREADS, Math.max(32, (work + 31) / 32 * 32));
        gpu.launch(modules.get(family), kernel, new int[] {blocks(work, threads), 1, 1}, new int[] {threads, 1, 1}, 0, args);
    }

    @Override
    public Storage allocate(DType dtype, long numel) {
        if (numel < 0) throw new IllegalArgumentException("cuda: cannot allocate " + numel + " elements");
        long address = allocator.allocate(numel * dtype.bytes());
        gpu.zero(address, numel * dtype.bytes());
        return new CudaStorage(this, dtype, numel, address, allocator);
    }

    private static void checkRange(String op, Storage s, long offset, long n) {
        if (offset < 0 || n < 0 || offset + n > s.numel()) {
            throw new IllegalArgumentException(op + ": elements [" + offset + ", " + (offset + n) + ") are outside " + s);
        }
    }

    @Override
    public void write(Storage dst, long dstOffset, float[] src, int srcOffset, int n) {
        checkRange("write", dst, dstOffset, n);
        if (n > 0) gpu.toDevice(address("write", dst, dstOffset), src, srcOffset, n);
    }

    @Override
    public void write(Storage dst, long dstOffset, int[] src, int srcOffset, int n) {
        checkRange("write", dst, dstOffset, n);
        if (n > 0) gpu.toDevice(address("write", dst, dstOffset), src, srcOffset, n);
    }

    @Override
    public void read(Storage src, long srcOffset, float[] dst, int dstOffset, int n) {
        checkRange("read", src, srcOffset, n);
        if (n > 0) gpu.toHost(address("read", src, srcOffset), dst, dstOffset, n);
        checkIndexErrors();
    }

    @Override
    public void read(Storage src, long srcOffset, int[] dst, int dstOffset, int n) {
        checkRange("read", src, srcOffset, n);
        if (n > 0) gpu.toHost(address("read", src, srcOffset), dst, dstOffset, n);
        checkIndexErrors();
    }

    @Override
    public void synchronize() {
        gpu.synchronize();
        checkIndexErrors();
    }

    /** Reports (once) the first out-of-range index that a gather or scatterAdd queued since the last check found. */
    private void checkIndexErrors() {
        if (pendingIndexOp == null) return;
        String op = pendingIndexOp;
        pendingIndexOp = null;
        int[] e = new int[2];
        gpu.toHost(errorWord, e, 0, 2);
        if (e[0] == 0) return;
        gpu.zero(errorWord, 8);
        throw new IllegalArgumentException(op + ": index " + e[1] + " in row " + (e[0] - 1)
                + " is outside the row (found by the device, reported at the next synchronization)");
    }

    @Override
    public void fill(Storage dst, long offset, long n, float value) {
        checkRange("fill", dst, offset, n);
        if (n == 0) return;
        long a = address("fill", dst, offset);
        if (dst.dtype() == DType.F32) launch("elementwise", "fill_f32", n, a, n, value);
        else launch("elementwise", "fill_i32", n, a, n, (int) value);
    }

    @Override
    public void copy(View src, View dst) {
        if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("copy: " + src.storage().dtype() + " " + Arrays.toString(src.shape())
                    + " into " + dst.storage().dtype() + " " + Arrays.toString(dst.shape()));
        }
        if (src.numel() == 0) return;
        DType from = src.storage().dtype();
        DType to = dst.storage().dtype();
        int mode = from == to ? 0 : from == DType.F32 ? 1 : 2;
        byte[] walk = Walk.of(dst.shape(), dst.strides(), dst.offset(), src.strides(), src.offset());
        launch("elementwise", "copy_strided", dst.numel(), walk, address("copy", dst.storage(), 0),
                address("copy", src.storage(), 0), mode);
    }

    private static byte[] walk(View v) {
        return Walk.of(v.shape(), v.strides(), v.offset(), null, 0);
    }

    @Override
    public void unary(UnaryOp op, View x, Storage out) {
        if (x.numel() == 0) return;
        String name = "unary " + op;
        launch("elementwise", "unary", x.numel(), walk(x), op.ordinal(), address(name, x.storage(), 0), address(name, out, 0));
    }

    @Override
    public void binary(BinaryOp op, View a, View b, Storage out) {
        if (a.numel() == 0) return;
        String name = "binary " + op;
        byte[] walk = Walk.of(a.shape(), a.strides(), a.offset(), b.strides(), b.offset());
        launch("elementwise", "binary", a.numel(), walk, op.ordinal(), address(name, a.storage(), 0),
                address(name, b.storage(), 0), address(name, out, 0));
    }

    @Override
    public void binary(BinaryOp op, View a, float b, Storage out) {
        if (a.numel() == 0) return;
        String name = "binary " + op;
        launch("elementwise", "binary_scalar", a.numel(), walk(a), op.ordinal(), address(name, a.storage(), 0), b,
                address(name, out, 0));
    }

    @Override
    public void reduce(ReduceOp op, View x, int[] axes, Storage out) {
        String name = "reduce " + op;
        if (op == ReduceOp.ARGMAX && axes.length != 1) {
            throw new IllegalArgumentException("argmax: reduces exactly one axis, got " + Arrays.toString(axes));
        }
        View[] split = x.splitAxes(axes);
        View kept = split[0];
        View red = split[1];
        long outputs = kept.numel();
        if (outputs == 0) return;
        long inner = red.numel();
        int threads = blockFor(inner);
        byte[] walks = Walk.pair(walk(kept), walk(red));
        gpu.launch(modules.get("reduce"), "reduce", new int[] {(int) Math.min(outputs, MAX_BLOCKS), 1, 1},
                new int[] {threads, 1, 1}, 0, walks, op.ordinal(), address(name, x.storage(), 0), address(name, out, 0));
    }

    @Override
    public void gemm(Gemm g) {
        if (g.batch() == 0 || g.m() == 0 || g.n() == 0) return;
        long a = address("gemm", g.a(), 0);
        long b = address("gemm", g.b(), 0);
        long c = address("gemm", g.c(), 0);
        if (gpu.libraryGemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), g.alpha(), a + 4 * g.aOffset(), g.lda(), g.aBatchStride(),
                b + 4 * g.bOffset(), g.ldb(), g.bBatchStride(), g.beta(), c + 4 * g.cOffset(), g.ldc(), g.cBatchStride(), g.batch())) {
            return;
        }
        int tile = gemmTile != 0 ? gemmTile : wideTiles(g.m(), g.n(), g.batch(), gpu.multiprocessors()) ? 128 : 64;
        for (int first = 0; first < g.batch(); first += MAX_BLOCKS) {
            int count = Math.min(MAX_BLOCKS, g.batch() - first);
            gpu.launch(modules.get("gemm"), tile == 128 ? "sgemm128" : "sgemm",
                    new int[] {(g.n() + tile - 1) / tile, (g.m() + tile - 1) / tile, count}, new int[] {256, 1, 1}, 0,
                    g.m(), g.n(), g.k(), g.alpha(),
                    a, g.aOffset() + first * g.aBatchStride(), g.lda(), g.aBatchStride(), g.transA() ? 1 : 0,
                    b, g.bOffset() + first * g.bBatchStride(), g.ldb(), g.bBatchStride(), g.transB() ? 1 : 0,
                    g.beta(), c, g.cOffset() + first * g.cBatchStride(), g.ldc(), g.cBatchStride());
        }
    }

    /**
     * Whether the 128-wide SGEMM tiles pay: they halve the shared-memory loads per multiply-add, but a product they
     * cover with much padding, or in fewer blocks than the device has multiprocessors, runs better on 64-wide tiles
     * (four times the blocks). Estimates, not yet measured on a GPU; at n = 1024 on an H200 (64 wide blocks for 132
     * multiprocessors) the 64-wide tiles, measured, stay.
     */
    static boolean wideTiles(int m, int n, int batch, int multiprocessors) {
        long rows = (m + 127) / 128;
        long cols = (n + 127) / 128;
        double used = (double) m * n / (rows * 128 * cols * 128);
        return used >= 0.75 && rows * cols * batch >= multiprocessors;
    }

    @Override
    public void gather(Storage x, Storage index, Storage out, int rows, int cols) {
        if (rows == 0) return;
        launch("index", "gather", rows, address("gather", x, 0), address("gather", index, 0), address("gather", out, 0),
                rows, cols, errorWord);
        pendingIndexOp = pendingIndexOp == null ? "gather" : pendingIndexOp;
    }

    @Override
    public void scatterAdd(Storage src, Storage index, Storage out, int rows, int cols) {
        if (rows == 0) return;
        launch("index", "scatter_add", rows, address("scatterAdd", src, 0), address("scatterAdd", index, 0),
                address("scatterAdd", out, 0), rows, cols, errorWord);
        pendingIndexOp = pendingIndexOp == null ? "scatterAdd" : pendingIndexOp;
    }

    /** One launch of the fused {@code optim_step} kernel updates every parameter; see {@link FusedOptimizer}. */
    @Override
    public void optimizerStep(Update rule, List<Storage> params, List<Storage> grads, List<Storage[]> state) {
        optimizerStep(rule, params, grads, state, 0L);
    }

    /** As above; a nonzero int at {@code foundInf} (a device address, 0 for none) skips the whole step. */
    void optimizerStep(Update rule, List<Storage> params, List<Storage> grads, List<Storage[]> state, long foundInf) {
        String op = "optimizerStep";
        byte[] step = FusedOptimizer.step(rule);
        long[] table = FusedOptimizer.tensors(params, grads, state, s -> address(op, s, 0));
        int[][] blocks = FusedOptimizer.blocks(params);
        int count = blocks[0].length;
        if (count == 0) return;
        long maxLen = 0;
        for (Storage p : params) maxLen = Math.max(maxLen, Math.min(p.numel(), FusedOptimizer.CHUNK));
        int threads = (int) Math.min(THREADS, Math.max(32, ((maxLen + 3) / 4 + 31) / 32 * 32));
        long tensors = allocator.allocate(table.length * 8L);
        long blockTable = allocator.allocate(count * 8L);
        try {
            int[] words = new int[table.length * 2];
            for (int i = 0; i < table.length; i++) {
                words[2 * i] = (int) table[i];
                words[2 * i + 1] = (int) (table[i] >>> 32);
            }
            gpu.toDevice(tensors, words, 0, words.length);
            gpu.toDevice(blockTable, blocks[0], 0, count);
            gpu.toDevice(blockTable + count * 4L, blocks[1], 0, count);
            for (int first = 0; first < count; first += MAX_BLOCKS) {
                int n = Math.min(MAX_BLOCKS, count - first);
                gpu.launch(modules.get("optim"), "optim_step", new int[] {n, 1, 1}, new int[] {threads, 1, 1}, 0,
                        step, tensors, blockTable + first * 4L, blockTable + (count + first) * 4L, FusedOptimizer.CHUNK, foundInf);
            }
        } finally {
            allocator.release(tensors, table.length * 8L);
            allocator.release(blockTable, count * 8L);
        }
    }

    /** x as a dense [N, C, S] storage: its own when it is one, else a copy the caller releases. */
    private Storage dense(View x) {
        if (x.offset() == 0 && x.isContiguous()) return null;
        Storage d = allocate(DType.F32, x.numel());
        copy(x, View.contiguous(d, x.shape()));
        return d;
    }

    private static int blockFor(long work) {
        int threads = 32;
        while (threads < THREADS && threads < work) threads *= 2;
        return threads;
    }

    /**
     * [N, C, S > 1]: each channel's N*S positions in {@code parts} runs, a block each (a sums launch, then one that
     * applies them), so that 16 channels still give a large GPU hundreds of blocks; [N, C]: the {@code _nc} kernel,
     * 32 channels a block, so that a warp reads 32 neighbouring channels of one row instead of one float per 32-byte
     * sector. {@code sums} is null where no sums pass runs (evaluation's forward); the parts' sums take a scratch
     * storage between the launches.
     */
    private void normLaunch(String kernel, int[] s, Object[] inputs, Object[] sums, Object[] tail) {
        if (s[2] == 1) {
            gpu.launch(modules.get("batchnorm"), kernel + "_nc", new int[] {(s[1] + 31) / 32, 1, 1}, new int[] {32, 8, 1}, 0,
                    concat(inputs, new Object[] {s[0], s[1]}, tail));
            return;
        }
        long m = (long) s[0] * s[2];
        int parts = normParts(m, s[1], gpu.multiprocessors());
        int[] grid = {s[1], parts, 1};
        int[] block = {blockFor((m + parts - 1) / parts), 1, 1};
        Object[] sizes = {s[0], s[1], s[2]};
        long bytes = 8L * s[1] * parts;
        long scratch = sums == null ? 0 : allocator.allocate(bytes);
        try {
            if (sums != null) gpu.launch(modules.get("batchnorm"), kernel + "_sums", grid, block, 0, concat(inputs, sizes, sums, new Object[] {scratch}));
            gpu.launch(modules.get("batchnorm"), kernel, grid, block, 0, concat(inputs, sizes, new Object[] {scratch}, tail));
        } finally {
            if (scratch != 0) allocator.release(scratch, bytes);
        }
    }

    /**
     * Runs per channel: about 2048 positions each, but no more than eight blocks per multiprocessor in all (and at
     * most 64, which one warp adds in two steps); never a run of 2^30 positions or more (the kernels count within
     * a run in int). The sizes are estimates, not yet measured on a GPU.
     */
    static int normParts(long m, int channels, int multiprocessors) {
        long byWork = (m + 2047) / 2048;
        long byDevice = (8L * multiprocessors + channels - 1) / channels;
        long parts = Math.max(1, Math.min(64, Math.min(byWork, byDevice)));
        return (int) Math.max(parts, (m + (1L << 30) - 1) >> 30);
    }

    private static Object[] concat(Object[]... pieces) {
        return java.util.Arrays.stream(pieces).flatMap(java.util.Arrays::stream).toArray();
    }

    @Override
    public void batchNorm(View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, boolean training,
                          float momentum, float eps, Storage out, Storage saveMean, Storage saveInvStd) {
        String op = "batchNorm";
        int[] s = x.shape();
        if (x.numel() == 0) return;
        Storage copy = dense(x);
        try {
            long in = copy == null ? address(op, x.storage(), 0) : address(op, copy, 0);
            Object[] tail = {address(op, gamma, 0), address(op, beta, 0), address(op, runningMean, 0),
                address(op, runningVar, 0), training ? 1 : 0, momentum, eps, address(op, out, 0), address(op, saveMean, 0),
                address(op, saveInvStd, 0)};
            normLaunch("batchnorm_forward", s, new Object[] {in}, training ? new Object[0] : null, tail);
        } finally {
            if (copy != null) copy.release();
        }
    }

    @Override
    public void batchNormBackward(View x, Storage dy, Storage gamma, Storage saveMean, Storage saveInvStd, boolean training,
                                  Storage dx, Storage dgamma, Storage dbeta) {
        String op = "batchNormBackward";
        int[] s = x.shape();
        if (x.numel() == 0) return;
        Storage copy = dense(x);
        try {
            long in = copy == null ? address(op, x.storage(), 0) : address(op, copy, 0);
            Object[] tail = {address(op, gamma, 0), address(op, saveMean, 0), address(op, saveInvStd, 0), training ? 1 : 0,
                address(op, dx, 0), address(op, dgamma, 0), address(op, dbeta, 0)};
            normLaunch("batchnorm_backward", s, new Object[] {in, address(op, dy, 0)}, new Object[] {address(op, saveMean, 0)}, tail);
        } finally {
            if (copy != null) copy.release();
        }
    }

    /** The mask is regenerated from (seed, offset), never stored; a contiguous 16-byte-aligned x moves as float4. */
    @Override
    public void dropout(View x, float p, long seed, long offset, Storage out) {
        long n = x.numel();
        if (n == 0) return;
        long base = address("dropout", x.storage(), x.offset());
        boolean vec4 = x.isContiguous() && base % 16 == 0;
        launch("dropout", "dropout", (n + 3) / 4, walk(x), address("dropout", x.storage(), 0), address("dropout", out, 0),
                seed, offset, Philox.dropThreshold(p), 1 / (1 - p), vec4 ? 1 : 0);
    }

    /** The kernels' {@code Win}: the window geometry and x's strides and offset (88 bytes). */
    private static byte[] win(Window g, View x) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(88).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int[] ints = {g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.dh(), g.dw()};
        for (int i = 0; i < ints.length; i++) b.putInt(4 * i, ints[i]);
        long[] st = x == null ? new long[4] : x.strides();
        for (int i = 0; i < 4; i++) b.putLong(48 + 8 * i, st[i]);
        b.putLong(80, x == null ? 0 : x.offset());
        return b.array();
    }

    @Override
    public void im2col(View x, Window g, float padValue, Storage cols) {
        long n = (long) g.n() * g.patch() * g.positions();
        if (n > 0) launch("window", "im2col", n, win(g, x), address("im2col", x.storage(), 0), padValue, address("im2col", cols, 0));
    }

    @Override
    public void col2im(Storage cols, Window g, Storage dx) {
        long n = (long) g.n() * g.c() * g.h() * g.w();
        if (n > 0) launch("window", "col2im", n, win(g, null), address("col2im", cols, 0), address("col2im", dx, 0));
    }

    @Override
    public void maxPool2d(View x, Window g, Storage out, Storage indices) {
        long n = (long) g.n() * g.c() * g.positions();
        if (n > 0) {
            launch("window", "max_pool", n, win(g, x), address("maxPool2d", x.storage(), 0), address("maxPool2d", out, 0),
                    address("maxPool2d", indices, 0));
        }
    }

    @Override
    public void maxPool2dBackward(Storage dy, Storage indices, Window g, Storage dx) {
        long n = (long) g.n() * g.c() * g.h() * g.w();
        if (n > 0) {
            launch("window", "max_pool_backward", n, win(g, null), address("maxPool2dBackward", dy, 0),
                    address("maxPool2dBackward", indices, 0), address("maxPool2dBackward", dx, 0));
        }
    }

    @Override
    public void softmaxCrossEntropy(View logits, Storage labels, Storage loss, Storage probs) {
        String op = "softmaxCrossEntropy";
        int rows = logits.shape()[0];
        int cols = logits.shape()[1];
        if (rows == 0) return;
        Storage copy = dense(logits);
        try {
            long x = copy == null ? address(op, logits.storage(), 0) : address(op, copy, 0);
            gpu.launch(modules.get("softmax"), "softmax_xent", new int[] {Math.min(rows, MAX_BLOCKS), 1, 1},
                    new int[] {blockFor(cols), 1, 1}, 0, x, address(op, labels, 0), address(op, loss, 0),
                    address(op, probs, 0), rows, cols, errorWord);
            pendingIndexOp = pendingIndexOp == null ? op : pendingIndexOp;
        } finally {
            if (copy != null) copy.release();
        }
    }

    @Override
    public void softmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gradLoss, Storage gradLogits, int rows, int cols) {
        String op = "softmaxCrossEntropyBackward";
        long n = (long) rows * cols;
        if (n > 0) {
            launch("softmax", "softmax_xent_backward", n, address(op, probs, 0), address(op, labels, 0),
                    address(op, gradLoss, 0), address(op, gradLogits, 0), rows, cols);
        }
    }

    /**
     * Uniform draws and dropout masks run on the device, bit-identical to the CPU's. Normal draws (initial weights)
     * are made on the host with the same Philox words and copied over: Box-Muller in double on the device would
     * need double-precision log and cosine that the CPU's Math does not round the same way.
     */
    @Override
    public void random(Distribution dist, long seed, long offset, float a, float b, Storage out, long n) {
        if (n == 0) return;
        long o = address("random", out, 0);
        long counters = dist.counters(n);
        switch (dist) {
            case UNIFORM -> launch("random", "random_draw", counters, 0, o, n, seed, offset, a, b, 0L);
            case KEEP_MASK -> launch("random", "random_draw", counters, 1, o, n, seed, offset, a, b, Philox.dropThreshold(b));
            case NORMAL -> {
                float[] host = new float[Math.toIntExact(n)];
                Philox.fill(true, seed, offset, a, b, host, n, 0, counters);
                gpu.toDevice(o, host, 0, host.length);
            }
        }
    }
}

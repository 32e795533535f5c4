package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.stride.backend.Backend;
import dev.stride.backend.BinaryOp;
import dev.stride.backend.Distribution;
import dev.stride.backend.Gemm;
import dev.stride.backend.ReduceOp;
import dev.stride.backend.Storage;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.View;
import dev.stride.cpu.CpuBackend;
import dev.stride.random.Philox;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every primitive of the CUDA backend against the CPU backend on the same inputs: sizes that are not multiples of 4
 * or 32, strided and broadcast views, empty tensors, and the special values. Runs on the PTX emulator here
 * ({@link CudaBackendTest}) and on a real GPU ({@link GpuDeviceTest}, tagged {@code gpu}).
 */
abstract class CudaConformance {
    static final CpuBackend CPU = new CpuBackend();

    /** The backend under test. */
    abstract CudaBackend cuda();

    /** Special points first, then a spread of ordinary values: 33 in all. */
    static final float[] VALUES = {0f, -0f, 1f, -1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-30f,
        -1e-30f, 88f, -88f, 0.5f, -0.5f, 3f, -3f, 1e6f, -1e6f, 2.5f, -2.5f, 0.1f, -0.1f, 10f, -10f, 7.25f, -7.25f, 0.001f,
        -0.001f, 20f, -20f, 1.5f, -1.5f, 42f, -42f};

    static long ulps(float a, float b) {
        if (Float.floatToIntBits(a) == Float.floatToIntBits(b) || (a == b)) return 0;
        if (Float.isNaN(a) || Float.isNaN(b) || Float.isInfinite(a) || Float.isInfinite(b)) return Long.MAX_VALUE;
        return Math.abs(ordered(a) - ordered(b));
    }

    private static long ordered(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits < 0 ? Integer.MIN_VALUE - (long) bits : bits;
    }

    static void close(String what, float[] cpu, float[] cuda, long maxUlps, float atol) {
        assertEquals(cpu.length, cuda.length, what);
        for (int i = 0; i < cpu.length; i++) {
            boolean ok = ulps(cpu[i], cuda[i]) <= maxUlps || Math.abs(cpu[i] - cuda[i]) <= atol;
            if (!ok) fail(what + ": element " + i + ": cpu " + cpu[i] + ", cuda " + cuda[i]);
        }
    }

    static Tensor on(Backend b, float[] v, int... shape) {
        return Tensor.of(b, v, shape);
    }

    static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            if (i % 4 == 0) Philox.words(11, n, i / 4, w);
            v[i] = (Philox.uniform(w[i % 4]) * 2 - 1) * scale;
        }
        return v;
    }

    @Test
    void everyUnaryOpMatchesTheCpuOnSpecialValuesAndStridedViews() {
        Set<UnaryOp> exact = EnumSet.of(UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SIGN, UnaryOp.SQRT, UnaryOp.RECIPROCAL,
                UnaryOp.SQUARE, UnaryOp.RELU, UnaryOp.STEP);
        int checked = 0;
        for (UnaryOp op : UnaryOp.values()) {
            float[] got = run(cuda(), op);
            float[] want = run(CPU, op);
            // Transcendentals: CUDA's expf, logf, tanhf are within 2 ulp; erf is approximated on the CPU to 1.5e-7.
            close(op.toString(), want, got, exact.contains(op) ? 0 : 2, op == UnaryOp.ERF ? 2e-7f : 0f);
            checked++;
        }
        assertEquals(13, checked);
    }

    /** The op over VALUES laid out as the transpose of a [3, 11] matrix. */
    private static float[] run(Backend b, UnaryOp op) {
        View x = on(b, VALUES, 3, 11).t().view();
        Storage out = b.allocate(DType.F32, x.numel());
        b.unary(op, x, out);
        float[] r = new float[33];
        b.read(out, 0, r, 0, 33);
        return r;
    }

    @Test
    void everyBinaryOpMatchesTheCpuWithBroadcastingAndScalars() {
        float[] a = ramp(15, 4f);
        a[0] = Float.NaN;
        a[1] = -0f;
        a[2] = 0f;
        float[] b = ramp(20, 4f);
        b[0] = 0f;
        b[1] = 0f;
        b[2] = -0f;
        for (BinaryOp op : BinaryOp.values()) {
            long u = op == BinaryOp.POW ? 2 : 0;
            close(op + " broadcast", binary(CPU, op, a, b), binary(cuda(), op, a, b), u, 0f);
            for (float c : new float[] {0f, -0f, 1f, 2.5f, Float.NaN}) {
                close(op + " scalar " + c, scalar(CPU, op, a, c), scalar(cuda(), op, a, c), u, 0f);
            }
        }
    }

    private static float[] binary(Backend be, BinaryOp op, float[] a, float[] b) {
        Tensor x = on(be, a, 3, 1, 5);
        Tensor y = on(be, b, 4, 5);
        int[] s = {3, 4, 5};
        Storage out = be.allocate(DType.F32, 60);
        be.binary(op, x.expand(s).view(), y.expand(s).view(), out);
        return Tensor.wrap(out, DType.F32, 60).toFloatArray();
    }

    private static float[] scalar(Backend be, BinaryOp op, float[] a, float c) {
        Storage out = be.allocate(DType.F32, a.length);
        be.binary(op, on(be, a, 5, 3).t().view(), c, out);
        return Tensor.wrap(out, DType.F32, a.length).toFloatArray();
    }

    @Test
    void stridedCopiesAndConversionsMatch() {
        float[] v = ramp(2 * 3 * 5 * 7, 10f);
        for (Backend be : new Backend[] {CPU, cuda()}) {
            Tensor x = on(be, v, 2, 3, 5, 7);
            float[] want = on(CPU, v, 2, 3, 5, 7).permute(3, 1, 0, 2).slice(0, 1, 6).contiguous().toFloatArray();
            assertArrayEquals(want, x.permute(3, 1, 0, 2).slice(0, 1, 6).contiguous().toFloatArray(), be.name());
        }
        float[] special = {1.9f, -2.7f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e9f, -3e9f, -0.5f};
        assertArrayEquals(on(CPU, special, 8).to(DType.I32).toIntArray(), on(cuda(), special, 8).to(DType.I32).toIntArray());
        int[] ints = {0, -1, 16777217, Integer.MAX_VALUE, Integer.MIN_VALUE};
        assertArrayEquals(Tensor.ofInts(CPU, ints, 5).to(DType.F32).toFloatArray(), Tensor.ofInts(cuda(), ints, 5).to(DType.F32).toFloatArray());
        Tensor empty = on(cuda(), new float[0], 0, 3);
        assertArrayEquals(new float[] {0, 0, 0}, empty.add(1f).t().contiguous().sum(1, false).toFloatArray(),
                "sums over an empty axis are 0");
    }

    @Test
    void reductionsOverAnyAxesMatch() {
        int[] shape = {3, 33, 5};
        float[] v = ramp(3 * 33 * 5, 3f);
        int[][] axesSets = {{0}, {1}, {2}, {0, 2}, {0, 1, 2}, {1, 2}};
        for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN}) {
            for (int[] axes : axesSets) {
                float[] want = reduce(CPU, op, v, shape, axes);
                float[] got = reduce(cuda(), op, v, shape, axes);
                // Sums: a float tree on the device against the CPU's double accumulator.
                close(op + " over " + java.util.Arrays.toString(axes), want, got, op == ReduceOp.SUM ? 64 : 0, op == ReduceOp.SUM ? 1e-5f : 0);
            }
        }
        float[] big = ramp(4097, 1f);
        close("sum of 4097", reduce(CPU, ReduceOp.SUM, big, new int[] {4097}, new int[] {0}),
                reduce(cuda(), ReduceOp.SUM, big, new int[] {4097}, new int[] {0}), 64, 1e-5f);
        float[] nan = {1, Float.NaN, 3, 2, 5, 5, -1, 0};
        close("max with NaN", reduce(CPU, ReduceOp.MAX, nan, new int[] {2, 4}, new int[] {1}),
                reduce(cuda(), ReduceOp.MAX, nan, new int[] {2, 4}, new int[] {1}), 0, 0);
        assertArrayEquals(new float[] {0f, 0f}, reduce(cuda(), ReduceOp.SUM, new float[0], new int[] {2, 0}, new int[] {1}));
        assertArrayEquals(new float[] {Float.NEGATIVE_INFINITY}, reduce(cuda(), ReduceOp.MAX, new float[0], new int[] {1, 0}, new int[] {1}));
    }

    private static float[] reduce(Backend be, ReduceOp op, float[] v, int[] shape, int[] axes) {
        Tensor x = on(be, v, shape);
        long n = 1;
        boolean[] red = new boolean[shape.length];
        for (int a : axes) red[a] = true;
        for (int d = 0; d < shape.length; d++) if (!red[d]) n *= shape[d];
        Storage out = be.allocate(DType.F32, n);
        be.reduce(op, x.view(), axes, out);
        return Tensor.wrap(out, DType.F32, (int) n).toFloatArray();
    }

    @Test
    void argmaxTakesTheFirstMaximumAndNaNWins() {
        float[] v = {1, 5, 5, 2, /**/ -1, Float.NaN, 7, Float.NaN, /**/ 3, 3, 3, 3, /**/ Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY, -2, -2};
        for (Backend be : new Backend[] {CPU, cuda()}) {
            assertArrayEquals(new int[] {1, 1, 0, 2}, on(be, v, 4, 4).argmax(1, false).toIntArray(), be.name());
            assertArrayEquals(new int[] {2, 1, 1, 1}, on(be, v, 4, 4).argmax(0, false).toIntArray(), be.name() + " axis 0");
        }
        float[] wide = ramp(300, 1f);
        wide[217] = 5f;
        wide[299] = 5f;
        assertArrayEquals(new int[] {217}, on(cuda(), wide, 1, 300).argmax(1, false).toIntArray());
    }

    @Test
    void gemmMatchesWithTransposesBatchesAndBeta() {
        int[][] mnk = {{1, 1, 1}, {3, 5, 7}, {31, 33, 17}, {33, 31, 65}, {16, 16, 16}};
        for (int[] s : mnk) {
            for (int flags = 0; flags < 4; flags++) {
                boolean ta = (flags & 1) != 0;
                boolean tb = (flags & 2) != 0;
                float[] want = gemm(CPU, s[0], s[1], s[2], ta, tb);
                float[] got = gemm(cuda(), s[0], s[1], s[2], ta, tb);
                close("gemm " + java.util.Arrays.toString(s) + " transA " + ta + " transB " + tb, want, got, 16, 1e-5f);
            }
        }
        float[] a = ramp(3 * 4 * 6, 1f);
        float[] b = ramp(6 * 5, 1f);
        float[] want = on(CPU, a, 3, 4, 6).matmul(on(CPU, b, 6, 5)).toFloatArray();
        close("batched, B broadcast", want, on(cuda(), a, 3, 4, 6).matmul(on(cuda(), b, 6, 5)).toFloatArray(), 16, 1e-5f);
    }

    /** C (m×n, full of 0.5 and with beta 2) = 1.5·op(A)·op(B) + 2·C, with padded leading dimensions. */
    private static float[] gemm(Backend be, int m, int n, int k, boolean ta, boolean tb) {
        int lda = (ta ? m : k) + 3;
        int ldb = (tb ? k : n) + 1;
        Storage a = on(be, ramp((ta ? k : m) * lda, 1f), (ta ? k : m) * lda).storage();
        Storage b = on(be, ramp((tb ? n : k) * ldb, 1f), (tb ? n : k) * ldb).storage();
        Storage c = be.allocate(DType.F32, (long) m * n);
        be.fill(c, 0, (long) m * n, 0.5f);
        be.gemm(new Gemm(1, m, n, k, 1.5f, a, 0, lda, 0, ta, b, 0, ldb, 0, tb, 2f, c, 0, n, 0));
        return Tensor.wrap(c, DType.F32, m * n).toFloatArray();
    }

    @Test
    void gatherAndScatterAddMatchAndABadIndexIsReportedAtTheNextRead() {
        float[] x = ramp(5 * 7, 2f);
        int[] idx = {6, 0, 3, 3, 6};
        for (Backend be : new Backend[] {CPU, cuda()}) {
            Tensor t = on(be, x, 5, 7).requiresGrad(true);
            Tensor picked = t.gatherRows(Tensor.ofInts(be, idx, 5));
            float[] want = new float[5];
            for (int r = 0; r < 5; r++) want[r] = x[r * 7 + idx[r]];
            assertArrayEquals(want, picked.toFloatArray(), be.name());
            picked.mul(2f).sum().backward();
            float[] g = t.grad().toFloatArray();
            for (int r = 0; r < 5; r++) assertEquals(2f, g[r * 7 + idx[r]], be.name());
        }
        Tensor bad = Tensor.ofInts(cuda(), new int[] {1, 7, 0}, 3);
        Tensor picked = on(cuda(), ramp(21, 1f), 3, 7).gatherRows(bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, picked::toFloatArray);
        assertTrue(e.getMessage().startsWith("gather: index 7 in row 1"), e.getMessage());
        assertArrayEquals(new float[] {1f}, on(cuda(), new float[] {1f}, 1).toFloatArray(), "reported once, then cleared");
    }

    @Test
    void randomDrawsAreBitIdenticalToTheCpu() {
        for (int n : new int[] {1, 3, 31, 33, 4097}) {
            for (Distribution d : Distribution.values()) {
                float a = d == Distribution.KEEP_MASK ? 1 / 0.7f : -2f;
                float b = d == Distribution.KEEP_MASK ? 0.3f : 3f;
                Storage c = CPU.allocate(DType.F32, n);
                Storage g = cuda().allocate(DType.F32, n);
                CPU.random(d, 0x1234_5678_9abcL, 77, a, b, c, n);
                cuda().random(d, 0x1234_5678_9abcL, 77, a, b, g, n);
                float[] want = Tensor.wrap(c, DType.F32, n).toFloatArray();
                float[] got = Tensor.wrap(g, DType.F32, n).toFloatArray();
                for (int i = 0; i < n; i++) {
                    if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                        fail(d + " n=" + n + " element " + i + ": cpu " + want[i] + ", cuda " + got[i]);
                    }
                }
            }
        }
    }
}

package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.backend.View;
import dev.stride.backend.Window;
import dev.stride.cpu.CpuBackend;
import dev.stride.random.Philox;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * im2col, col2im, max pooling and softmax cross-entropy kernels against the CPU's loops: the window ops bit for bit
 * (ties, NaN and padding in the pooled data, strides, padding, dilation, a permuted input), softmax to float rounding.
 */
class WindowAndSoftmaxKernelsTest {
    static final CpuBackend CPU = new CpuBackend();
    static final CudaBackend CUDA = new CudaBackend(new EmulatedGpu(64L << 20));

    /** kernel, stride, padding, dilation. */
    static final int[][] GEOMETRIES = {{3, 1, 1, 1}, {2, 2, 0, 1}, {3, 2, 1, 2}, {1, 1, 0, 1}, {3, 3, 1, 1}};

    static float[] data(int n, long seed) {
        float[] v = new float[n];
        Philox.fill(false, seed, 0, -2, 2, v, n, 0, (n + 3) / 4);
        for (int i = 0; i < n; i += 7) v[i] = 1f;  // ties inside windows
        v[5] = Float.NaN;
        return v;
    }

    /** x [2, 3, 7, 9] seen through a permuted layout (stored [2, 7, 9, 3]), so the kernels read strided. */
    static View input(Backend be, float[] v) {
        return Tensor.of(be, v, 2, 7, 9, 3).permute(0, 3, 1, 2).view();
    }

    static float[] floats(Storage s) {
        float[] out = new float[(int) s.numel()];
        s.backend().read(s, 0, out, 0, out.length);
        return out;
    }

    static int[] ints(Storage s) {
        int[] out = new int[(int) s.numel()];
        s.backend().read(s, 0, out, 0, out.length);
        return out;
    }

    static void same(String what, float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) fail(what + "[" + i + "]: cpu " + a[i] + ", cuda " + b[i]);
        }
    }

    @Test
    void windowOpsAreBitIdenticalForEveryGeometry() {
        float[] v = data(2 * 3 * 7 * 9, 1);
        for (int[] k : GEOMETRIES) {
            Window g = new Window(2, 3, 7, 9, k[0], k[0], k[1], k[1], k[2], k[2], k[3], k[3]);
            String what = "kernel " + k[0] + " stride " + k[1] + " padding " + k[2] + " dilation " + k[3];
            long cols = (long) g.n() * g.patch() * g.positions();
            long outs = (long) g.n() * g.c() * g.positions();
            float[][] im2col = new float[2][];
            float[][] col2im = new float[2][];
            float[][] pooled = new float[2][];
            int[][] winners = new int[2][];
            float[][] routed = new float[2][];
            Backend[] both = {CPU, CUDA};
            for (int b = 0; b < 2; b++) {
                Backend be = both[b];
                Storage c = be.allocate(DType.F32, cols);
                be.im2col(input(be, v), g, 0.5f, c);
                im2col[b] = floats(c);
                Storage dx = be.allocate(DType.F32, v.length);
                be.col2im(c, g, dx);
                col2im[b] = floats(dx);
                Storage out = be.allocate(DType.F32, outs);
                Storage idx = be.allocate(DType.I32, outs);
                be.maxPool2d(input(be, v), g, out, idx);
                pooled[b] = floats(out);
                winners[b] = ints(idx);
                Storage dy = be.allocate(DType.F32, outs);
                be.write(dy, 0, data((int) outs, 2), 0, (int) outs);
                Storage back = be.allocate(DType.F32, v.length);
                be.maxPool2dBackward(dy, idx, g, back);
                routed[b] = floats(back);
            }
            same("im2col " + what, im2col[0], im2col[1]);
            same("col2im " + what, col2im[0], col2im[1]);
            same("max pool " + what, pooled[0], pooled[1]);
            assertArrayEquals(winners[0], winners[1], "max pool indices " + what);
            same("max pool backward " + what, routed[0], routed[1]);
        }
    }

    @Test
    void softmaxCrossEntropyMatchesAndABadLabelIsReported() {
        int rows = 5;
        int cols = 33;
        float[] x = data(rows * cols, 3);
        x[5] = 3f;
        int[] labels = {0, 32, 7, 7, 16};
        float[][] loss = new float[2][];
        float[][] probs = new float[2][];
        float[][] grad = new float[2][];
        Backend[] both = {CPU, CUDA};
        for (int b = 0; b < 2; b++) {
            Backend be = both[b];
            Tensor logits = Tensor.of(be, x, cols, rows).t();
            Storage l = be.allocate(DType.F32, rows);
            Storage p = be.allocate(DType.F32, (long) rows * cols);
            Storage y = Tensor.ofInts(be, labels, rows).storage();
            be.softmaxCrossEntropy(logits.view(), y, l, p);
            Storage g = Tensor.of(be, new float[] {1f, -0.5f, 2f, 0f, 0.25f}, rows).storage();
            Storage d = be.allocate(DType.F32, (long) rows * cols);
            be.softmaxCrossEntropyBackward(p, y, g, d, rows, cols);
            loss[b] = floats(l);
            probs[b] = floats(p);
            grad[b] = floats(d);
        }
        CudaBackendTest.close("loss", loss[0], loss[1], 4, 1e-6f);
        CudaBackendTest.close("probs", probs[0], probs[1], 4, 1e-7f);
        CudaBackendTest.close("gradient", grad[0], grad[1], 4, 1e-7f);
        Storage l = CUDA.allocate(DType.F32, 1);
        CUDA.softmaxCrossEntropy(Tensor.of(CUDA, new float[] {1, 2, 3}, 1, 3).view(), Tensor.ofInts(CUDA, new int[] {3}, 1).storage(),
                l, CUDA.allocate(DType.F32, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> floats(l));
        assertTrue(e.getMessage().startsWith("softmaxCrossEntropy: index 3 in row 0"), e.getMessage());
    }
}

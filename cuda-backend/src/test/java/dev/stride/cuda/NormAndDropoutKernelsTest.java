package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.backend.View;
import dev.stride.cpu.CpuBackend;
import dev.stride.tensor.DType;
import dev.stride.testing.Buffers;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The batch-norm and dropout kernels on the emulator against the CPU backend's loops: batch-norm outputs, saved and
 * running statistics and all three gradients within float rounding of each other, on [N, C] and [N, C, H, W], odd
 * sizes, a batch of one and values at 4096 ± 0.01; dropout bit for bit, through the float4 path, the scalar tail,
 * strided views and unaligned offsets.
 */
class NormAndDropoutKernelsTest {
    static final CpuBackend CPU = new CpuBackend();
    static final CudaBackend CUDA = new CudaBackend(new EmulatedGpu(64L << 20));

    static float[] values(int n, long seed, float center, float spread) {
        return Buffers.values(n, seed, center - spread, center + spread);
    }

    static Storage upload(Backend be, float[] v) {
        return Buffers.upload(be, v);
    }

    static float[] down(Storage s) {
        return Buffers.download(s);
    }

    /** Every output of forward then backward, in a fixed order. */
    static List<float[]> batchNorm(Backend be, int n, int c, int s, float center, float spread, boolean training) {
        int total = n * c * s;
        Storage x = upload(be, values(total, 1, center, spread));
        Storage dy = upload(be, values(total, 2, 0, 1));
        Storage gamma = upload(be, values(c, 3, 1, 0.5f));
        Storage beta = upload(be, values(c, 4, 0, 0.5f));
        Storage rm = upload(be, values(c, 5, center, 0.01f));
        Storage rv = upload(be, values(c, 6, 1, 0.5f));
        Storage out = be.allocate(DType.F32, total);
        Storage mean = be.allocate(DType.F32, c);
        Storage inv = be.allocate(DType.F32, c);
        View xv = View.contiguous(x, n, c, s);
        be.batchNorm(xv, gamma, beta, rm, rv, training, 0.1f, 1e-5f, out, mean, inv);
        Storage dx = be.allocate(DType.F32, total);
        Storage dg = be.allocate(DType.F32, c);
        Storage db = be.allocate(DType.F32, c);
        be.batchNormBackward(xv, dy, gamma, mean, inv, training, dx, dg, db);
        List<float[]> r = new ArrayList<>();
        for (Storage t : new Storage[] {out, mean, inv, rm, rv, dx, dg, db}) r.add(down(t));
        return r;
    }

    static final String[] NAMES = {"out", "saved mean", "saved inverse std", "running mean", "running var", "dx", "dgamma", "dbeta"};

    @Test
    void batchNormMatchesTheCpuInBothModesAndLayouts() {
        int[][] shapes = {{1, 3, 31}, {7, 5, 1}, {33, 2, 1}, {4, 3, 33}, {2, 4, 7 * 7}};
        for (int[] sh : shapes) {
            for (boolean training : new boolean[] {true, false}) {
                compare("[" + sh[0] + ", " + sh[1] + ", " + sh[2] + "] training " + training,
                        batchNorm(CPU, sh[0], sh[1], sh[2], 0.3f, 2f, training), batchNorm(CUDA, sh[0], sh[1], sh[2], 0.3f, 2f, training));
            }
        }
    }

    @Test
    void channelsSplitIntoRunsOfSeveralBlocksMatchToo() {
        // 33 x 133 = 4389 positions a channel: three runs of 1472, 1472 and 1445, each starting inside a row.
        assertEquals(3, CudaBackend.normParts(33 * 133, 3, 80));
        for (boolean training : new boolean[] {true, false}) {
            compare("[33, 3, 133] training " + training, batchNorm(CPU, 33, 3, 133, 0.3f, 2f, training),
                    batchNorm(CUDA, 33, 3, 133, 0.3f, 2f, training));
        }
        // The runs' sums meet in the first warp: 64 runs, two a lane.
        assertEquals(64, CudaBackend.normParts(64 * 2048, 1, 80));
        compare("[512, 1, 256] training", batchNorm(CPU, 512, 1, 256, 4096f, 0.01f, true), batchNorm(CUDA, 512, 1, 256, 4096f, 0.01f, true));
    }

    @Test
    void batchNormGivesTheSameBitsInAnyThreadOrder() {
        List<float[]> fixed = batchNorm(CUDA, 33, 3, 133, 0.3f, 2f, true);
        for (long seed = 1; seed <= 2; seed++) {
            List<float[]> shuffled = batchNorm(new CudaBackend(new EmulatedGpu(64L << 20).shuffled(seed)), 33, 3, 133, 0.3f, 2f, true);
            for (int k = 0; k < fixed.size(); k++) org.junit.jupiter.api.Assertions.assertArrayEquals(fixed.get(k), shuffled.get(k), NAMES[k] + ", seed " + seed);
        }
    }

    @Test
    void runsPerChannelFollowTheWorkAndTheDevice() {
        assertEquals(1, CudaBackend.normParts(2048, 16, 132));
        assertEquals(13, CudaBackend.normParts(128 * 196, 32, 132), "the bench's 128x32x14x14");
        assertEquals(49, CudaBackend.normParts(128 * 784, 16, 132), "the CNN's first batch norm");
        assertEquals(3, CudaBackend.normParts(128 * 784, 512, 132), "many channels nearly fill the device themselves");
        assertEquals(64, CudaBackend.normParts(1L << 24, 1, 132));
        assertEquals(128, CudaBackend.normParts(1L << 37, 1, 132), "a run stays under 2^30 positions");
    }

    @Test
    void valuesAt4096KeepTheirVariance() {
        List<float[]> cpu = batchNorm(CPU, 16, 2, 65, 4096f, 0.01f, true);
        List<float[]> cuda = batchNorm(CUDA, 16, 2, 65, 4096f, 0.01f, true);
        compare("4096 +- 0.01", cpu, cuda);
        // The deviation is about 0.01/sqrt(3): a variance lost to cancellation would make 1/std near 1/sqrt(eps).
        for (float inv : cuda.get(2)) assertTrue(inv > 150 && inv < 200, "1/std " + inv);
    }

    /**
     * Batch-norm tolerance: the device sums in a float tree and the CPU in double, and the normalized values are
     * divided by a standard deviation; 2e-5 relative (2e-5 absolute near zero) covers both, as PyTorch's OpInfo
     * widens batch norm beyond elementwise ops.
     */
    static void compare(String what, List<float[]> cpu, List<float[]> cuda) {
        for (int k = 0; k < cpu.size(); k++) {
            float[] a = cpu.get(k);
            float[] b = cuda.get(k);
            float scale = 0;
            for (float v : a) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < a.length; i++) {
                if (Math.abs(a[i] - b[i]) > 2e-5f * Math.max(Math.abs(a[i]), 1e-3f * scale) + 2e-5f) {
                    fail(what + ": " + NAMES[k] + "[" + i + "]: cpu " + a[i] + ", cuda " + b[i]);
                }
            }
        }
    }

    @Test
    void dropoutMasksAreBitIdenticalOnEveryPath() {
        for (int n : new int[] {1, 3, 31, 33, 4097}) {
            check(n, n, 0, "contiguous");
            if (n > 2) check(n, n - 1, 1, "offset by one element (no float4)");
        }
        float[] v = values(6 * 7, 9, 0, 1);
        same("transposed view", transposed(CPU, v), transposed(CUDA, v));
    }

    private static float[] transposed(Backend be, float[] v) {
        Storage out = be.allocate(DType.F32, v.length);
        be.dropout(Tensor.of(be, v, 6, 7).t().view(), 0.5f, 17, 3, out);
        return down(out);
    }

    /** Dropout of the {@code n - offset} elements of a buffer of {@code size} from {@code offset}. */
    private static void check(int size, int n, int offset, String what) {
        float[] x = values(size, n, 0, 2);
        x[0] = Float.NaN;
        if (size > 1) x[1] = -3f;
        float[] want = run(CPU, x, n, offset);
        same(what + " n=" + n, want, run(CUDA, x, n, offset));
    }

    private static float[] run(Backend be, float[] x, int n, int offset) {
        Storage xs = upload(be, x);
        Storage out = be.allocate(DType.F32, n);
        be.dropout(new View(xs, offset, new int[] {n}, new long[] {1}), 0.3f, 0xfeed_beefL, 12345, out);
        return down(out);
    }

    private static void same(String what, float[] want, float[] got) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(what + ", element " + i + ": cpu " + want[i] + ", cuda " + got[i]);
            }
        }
    }
}

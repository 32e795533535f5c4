package dev.stride.kernels.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batch-norm statistics with shuffles, tiled SGEMM with float4 loads, multi-tensor Adam, and planted bugs. */
class FixtureKernelsTest {
    private static PtxModule fixtures;
    private final Emulator emu = new Emulator();

    @BeforeAll
    static void load() {
        fixtures = Fixtures.module();
    }

    private static float[] values(int n, int seed) {
        float[] v = new float[n];
        long s = seed;
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            v[i] = ((s >>> 40) % 2001 - 1000) / 250f;
        }
        return v;
    }

    private long upload(float[] v) {
        long p = emu.malloc(4L * v.length);
        emu.write(p, v);
        return p;
    }

    @Test
    void welfordStatisticsMatchTwoPassMeanAndVariance() {
        int rows = 300;
        int cols = 5;
        float[] x = values(rows * cols, 1);
        long mean = emu.malloc(4L * cols);
        long var = emu.malloc(4L * cols);
        emu.launch(fixtures, "welford_stats", new int[] {cols, 1, 1}, new int[] {128, 1, 1}, 0, upload(x), mean, var, rows, cols);
        float[] m = emu.readFloats(mean, cols);
        float[] v = emu.readFloats(var, cols);
        for (int c = 0; c < cols; c++) {
            double mu = 0;
            for (int r = 0; r < rows; r++) mu += x[r * cols + c] / (double) rows;
            double sq = 0;
            for (int r = 0; r < rows; r++) sq += Math.pow(x[r * cols + c] - mu, 2) / rows;
            assertEquals(mu, m[c], 1e-5 * Math.max(1, Math.abs(mu)), "mean of column " + c);
            assertEquals(sq, v[c], 1e-4 * sq, "variance of column " + c);
        }
    }

    @Test
    void tiledSgemmWithFloat4LoadsMatchesNaive() {
        int m = 37;
        int n = 40;
        int k = 29;
        float[] a = values(m * k, 2);
        float[] b = values(k * n, 3);
        long c = emu.malloc(4L * m * n);
        emu.launch(fixtures, "sgemm_tiled", new int[] {(n + 15) / 16, (m + 15) / 16, 1}, new int[] {16, 16, 1}, 0,
                upload(a), upload(b), c, m, n, k);
        float[] got = emu.readFloats(c, m * n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) acc += (double) a[i * k + p] * b[p * n + j];
                assertEquals(acc, got[i * n + j], 1e-4 * Math.max(1, Math.abs(acc)), "C[" + i + "," + j + "]");
            }
        }
    }

    @Test
    void multiTensorAdamUpdatesEveryTensorInOneLaunch() {
        int[] sizes = {7, 300, 1};
        long[] p = new long[3];
        long[] g = new long[3];
        long[] ms = new long[3];
        long[] vs = new long[3];
        float[][] pv = new float[3][];
        float[][] gv = new float[3][];
        for (int t = 0; t < 3; t++) {
            pv[t] = values(sizes[t], 10 + t);
            gv[t] = values(sizes[t], 20 + t);
            p[t] = upload(pv[t]);
            g[t] = upload(gv[t]);
            ms[t] = upload(new float[sizes[t]]);
            vs[t] = upload(new float[sizes[t]]);
        }
        long pt = emu.malloc(24);
        long gt = emu.malloc(24);
        long mt = emu.malloc(24);
        long vt = emu.malloc(24);
        long st = emu.malloc(12);
        emu.write(pt, p);
        emu.write(gt, g);
        emu.write(mt, ms);
        emu.write(vt, vs);
        emu.write(st, sizes);
        float lr = 0.01f;
        float b1 = 0.9f;
        float b2 = 0.999f;
        float eps = 1e-8f;
        float bc1 = 1 - b1;
        float sqrtBc2 = (float) Math.sqrt(1 - b2);
        emu.launch(fixtures, "adam_multi", new int[] {2, 3, 1}, new int[] {64, 1, 1}, 0, pt, gt, mt, vt, st, lr, b1, b2, eps, bc1, sqrtBc2);
        for (int t = 0; t < 3; t++) {
            float[] got = emu.readFloats(p[t], sizes[t]);
            for (int i = 0; i < sizes[t]; i++) {
                float gi = gv[t][i];
                float mi = (1 - b1) * gi;
                float vi = (1 - b2) * gi * gi;
                float expected = pv[t][i] - (lr / bc1) * (mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps));
                assertEquals(expected, got[i], 1e-6 * Math.max(1, Math.abs(expected)), "tensor " + t + " element " + i);
            }
        }
    }

    @Test
    void plantedMisalignedFloat4LoadIsNamed() {
        long in = emu.malloc(64);
        long out = emu.malloc(4);
        PtxException e = assertThrows(PtxException.class,
                () -> emu.launch(fixtures, "planted_misaligned", new int[] {1, 1, 1}, new int[] {1, 1, 1}, 0, in, out, 1));
        assertTrue(e.getMessage().contains("kernel planted_misaligned") && e.getMessage().contains("ld.global.nc.v4.f32")
                && e.getMessage().contains("misaligned (needs 16-byte alignment)"), e.getMessage());
        emu.launch(fixtures, "planted_misaligned", new int[] {1, 1, 1}, new int[] {1, 1, 1}, 0, in, out, 4);
    }

    @Test
    void plantedBarrierDeadlockIsNamed() {
        long out = emu.malloc(4 * 64);
        PtxException e = assertThrows(PtxException.class,
                () -> emu.launch(fixtures, "planted_deadlock", new int[] {1, 1, 1}, new int[] {64, 1, 1}, 0, out));
        String m = e.getMessage();
        assertTrue(m.contains("kernel planted_deadlock") && m.contains("deadlock") && m.contains("63 threads at the barrier")
                && m.contains("1 threads in a warp collective") && m.contains("shfl.sync"), m);
    }
}

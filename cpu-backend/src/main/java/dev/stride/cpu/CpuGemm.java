package dev.stride.cpu;

import dev.stride.backend.Gemm;

/**
 * Cache-blocked SGEMM. B is packed into a KC×NC row-major panel; four rows of C are accumulated in four
 * separate row buffers, one FMA per element of each, so C2 vectorizes the inner loop (it will not when one
 * array is read at several offsets in the same loop). Work is split over (batch, row block, column block) tiles.
 */
final class CpuGemm {
    static final int MC = 64;
    static final int NC = 512;
    static final int KC = 256;

    private CpuGemm() {}

    static void gemm(Gemm g) {
        int rowBlocks = (g.m() + MC - 1) / MC;
        int colBlocks = (g.n() + NC - 1) / NC;
        long tiles = (long) g.batch() * rowBlocks * colBlocks;
        long flopsPerTile = 2L * Math.min(MC, g.m()) * Math.min(NC, g.n()) * Math.max(g.k(), 1);
        Parallel.forRange(tiles, Math.max(1, (1L << 20) / Math.max(flopsPerTile, 1)), (s, e) -> {
            Workspace w = new Workspace();
            for (long t = s; t < e; t++) {
                int cb = (int) (t % colBlocks);
                long rest = t / colBlocks;
                int rb = (int) (rest % rowBlocks);
                int b = (int) (rest / rowBlocks);
                tile(g, b, rb * MC, Math.min(MC, g.m() - rb * MC), cb * NC, Math.min(NC, g.n() - cb * NC), w);
            }
        });
    }

    private static final class Workspace {
        final float[] panel = new float[KC * NC];
        final float[] c0 = new float[NC];
        final float[] c1 = new float[NC];
        final float[] c2 = new float[NC];
        final float[] c3 = new float[NC];
    }

    private static void tile(Gemm g, int b, int i0, int mc, int j0, int nc, Workspace w) {
        float[] a = ((CpuStorage) g.a()).f;
        float[] bm = ((CpuStorage) g.b()).f;
        float[] c = ((CpuStorage) g.c()).f;
        long aBase = g.aOffset() + b * g.aBatchStride();
        long bBase = g.bOffset() + b * g.bBatchStride();
        int cBase = (int) (g.cOffset() + b * g.cBatchStride());
        int ldc = g.ldc();
        if (g.k() == 0) {
            for (int i = 0; i < mc; i++) scaleRow(c, cBase + (i0 + i) * ldc + j0, nc, g.beta());
            return;
        }
        for (int p0 = 0; p0 < g.k(); p0 += KC) {
            int kc = Math.min(KC, g.k() - p0);
            packB(bm, bBase, g.ldb(), g.transB(), p0, kc, j0, nc, w.panel);
            boolean first = p0 == 0;
            for (int i = 0; i < mc; i += 4) {
                int rows = Math.min(4, mc - i);
                load(c, cBase, ldc, i0 + i, rows, j0, nc, first ? g.beta() : 1f, w);
                micro(a, aBase, g.lda(), g.transA(), g.alpha(), i0 + i, rows, p0, kc, nc, w);
                store(c, cBase, ldc, i0 + i, rows, j0, nc, w);
            }
        }
    }

    private static void scaleRow(float[] c, int off, int n, float beta) {
        for (int j = 0; j < n; j++) c[off + j] = beta == 0 ? 0f : beta * c[off + j];
    }

    private static void packB(float[] b, long base, int ldb, boolean trans, int p0, int kc, int j0, int nc, float[] panel) {
        for (int p = 0; p < kc; p++) {
            int dst = p * nc;
            if (!trans) {
                System.arraycopy(b, (int) (base + (long) (p0 + p) * ldb + j0), panel, dst, nc);
            } else {
                int src = (int) (base + (long) j0 * ldb + p0 + p);
                for (int j = 0; j < nc; j++) panel[dst + j] = b[src + j * ldb];
            }
        }
    }

    private static void load(float[] c, int cBase, int ldc, int row, int rows, int j0, int nc, float beta, Workspace w) {
        float[][] bufs = {w.c0, w.c1, w.c2, w.c3};
        for (int r = 0; r < 4; r++) {
            float[] buf = bufs[r];
            if (r >= rows || beta == 0) {
                java.util.Arrays.fill(buf, 0, nc, 0f);
                continue;
            }
            int off = cBase + (row + r) * ldc + j0;
            if (beta == 1) {
                System.arraycopy(c, off, buf, 0, nc);
            } else {
                for (int j = 0; j < nc; j++) buf[j] = beta * c[off + j];
            }
        }
    }

    private static void store(float[] c, int cBase, int ldc, int row, int rows, int j0, int nc, Workspace w) {
        float[][] bufs = {w.c0, w.c1, w.c2, w.c3};
        for (int r = 0; r < rows; r++) System.arraycopy(bufs[r], 0, c, cBase + (row + r) * ldc + j0, nc);
    }

    private static void micro(float[] a, long aBase, int lda, boolean transA, float alpha,
                              int row, int rows, int p0, int kc, int nc, Workspace w) {
        float[] panel = w.panel;
        float[] c0 = w.c0;
        float[] c1 = w.c1;
        float[] c2 = w.c2;
        float[] c3 = w.c3;
        for (int p = 0; p < kc; p++) {
            float a0 = alpha * elem(a, aBase, lda, transA, row, p0 + p);
            float a1 = rows > 1 ? alpha * elem(a, aBase, lda, transA, row + 1, p0 + p) : 0f;
            float a2 = rows > 2 ? alpha * elem(a, aBase, lda, transA, row + 2, p0 + p) : 0f;
            float a3 = rows > 3 ? alpha * elem(a, aBase, lda, transA, row + 3, p0 + p) : 0f;
            int bo = p * nc;
            for (int j = 0; j < nc; j++) {
                float bv = panel[bo + j];
                c0[j] = Math.fma(a0, bv, c0[j]);
                c1[j] = Math.fma(a1, bv, c1[j]);
                c2[j] = Math.fma(a2, bv, c2[j]);
                c3[j] = Math.fma(a3, bv, c3[j]);
            }
        }
    }

    private static float elem(float[] a, long base, int lda, boolean trans, int i, int p) {
        return a[(int) (base + (trans ? (long) p * lda + i : (long) i * lda + p))];
    }
}

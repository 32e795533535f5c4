package dev.stride.cpu;

import dev.stride.backend.Gemm;

/**
 * SGEMM entry point: {@link VectorGemm} where the Vector API module is present, else this C2-vectorized kernel.
 * Cache-blocked SGEMM. B is packed into a KC×NC panel held as one array per row, and four rows of C are
 * accumulated in four row buffers, two k-steps per pass. Every array in the inner loop is indexed by the loop
 * variable alone: C2 (JDK 17) treats same-typed arrays as possibly aliased and will not vectorize a loop that
 * stores to one array while reading another at an unknown offset, nor one that touches more than about eight
 * arrays. Measured on this machine: 6.8 GFLOP/s with a flat panel, 45–60 with this layout, one thread.
 * Work is split over (batch, row block, column block) tiles.
 */
final class CpuGemm {
    static final int MC = 64;
    static final int NC = 512;
    static final int KC = 256;

    /** Whether {@link VectorGemm} runs; {@code -Dstride.cpu.vector=false} forces this class's kernel. */
    static final boolean VECTOR = vectorAvailable();

    private CpuGemm() {}

    static void gemm(Gemm g) {
        if (VECTOR) {
            VectorGemm.gemm(g);
        } else {
            scalar(g);
        }
    }

    private static boolean vectorAvailable() {
        if (!Boolean.parseBoolean(System.getProperty("stride.cpu.vector", "true"))) return false;
        try {
            return VectorGemm.lanes() >= 8;
        } catch (LinkageError absent) {
            return false;
        }
    }

    static void scalar(Gemm g) {
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
        final float[][] panel = new float[KC][NC];
        final float[] c0 = new float[NC];
        final float[] c1 = new float[NC];
        final float[] c2 = new float[NC];
        final float[] c3 = new float[NC];
    }

    private static void tile(Gemm g, int b, int i0, int mc, int j0, int nc, Workspace w) {
        float[] a = ((CpuStorage) g.a()).f();
        float[] bm = ((CpuStorage) g.b()).f();
        float[] c = ((CpuStorage) g.c()).f();
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

    private static void packB(float[] b, long base, int ldb, boolean trans, int p0, int kc, int j0, int nc, float[][] panel) {
        for (int p = 0; p < kc; p++) {
            float[] row = panel[p];
            if (!trans) {
                System.arraycopy(b, (int) (base + (long) (p0 + p) * ldb + j0), row, 0, nc);
            } else {
                int src = (int) (base + (long) j0 * ldb + p0 + p);
                for (int j = 0; j < nc; j++) row[j] = b[src + j * ldb];
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
        float[] c0 = w.c0;
        float[] c1 = w.c1;
        float[] c2 = w.c2;
        float[] c3 = w.c3;
        float[] x = new float[4];
        float[] y = new float[4];
        int p = 0;
        for (; p + 1 < kc; p += 2) {
            column(a, aBase, lda, transA, alpha, row, rows, p0 + p, x);
            column(a, aBase, lda, transA, alpha, row, rows, p0 + p + 1, y);
            float[] b = w.panel[p];
            float[] d = w.panel[p + 1];
            float x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
            float y0 = y[0], y1 = y[1], y2 = y[2], y3 = y[3];
            for (int j = 0; j < nc; j++) {
                float bv = b[j];
                float dv = d[j];
                c0[j] = Math.fma(y0, dv, Math.fma(x0, bv, c0[j]));
                c1[j] = Math.fma(y1, dv, Math.fma(x1, bv, c1[j]));
                c2[j] = Math.fma(y2, dv, Math.fma(x2, bv, c2[j]));
                c3[j] = Math.fma(y3, dv, Math.fma(x3, bv, c3[j]));
            }
        }
        if (p < kc) {
            column(a, aBase, lda, transA, alpha, row, rows, p0 + p, x);
            float[] b = w.panel[p];
            float x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
            for (int j = 0; j < nc; j++) {
                float bv = b[j];
                c0[j] = Math.fma(x0, bv, c0[j]);
                c1[j] = Math.fma(x1, bv, c1[j]);
                c2[j] = Math.fma(x2, bv, c2[j]);
                c3[j] = Math.fma(x3, bv, c3[j]);
            }
        }
    }

    /** alpha·A[row..row+3, p] into {@code out}, zeros past the last row. */
    private static void column(float[] a, long aBase, int lda, boolean transA, float alpha, int row, int rows, int p, float[] out) {
        for (int r = 0; r < 4; r++) out[r] = r < rows ? alpha * elem(a, aBase, lda, transA, row + r, p) : 0f;
    }

    private static float elem(float[] a, long base, int lda, boolean trans, int i, int p) {
        return a[(int) (base + (trans ? (long) p * lda + i : (long) i * lda + p))];
    }
}

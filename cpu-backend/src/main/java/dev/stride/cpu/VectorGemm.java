package dev.stride.cpu;

import dev.stride.backend.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * BLIS-style SGEMM on the JDK Vector API: A and B are packed into micro-panels and an MR×NR tile of C lives in
 * registers for the whole k loop, so each FMA costs one broadcast and no load or store of C. The tile is 4 rows by
 * two vectors (4×32 with AVX-512, 4×16 with AVX2). Measured with JDK 17 on this machine, n = 1024, 2 threads:
 * 4×32 reaches 145 GFLOP/s, while 6- and 8-row tiles fall to 10–30. Needs {@code --add-modules jdk.incubator.vector}; kept
 * apart so that {@link CpuGemm} falls back to the C2-vectorized kernel where the module is absent.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int NR = 2 * L;
    static final int MR = 4;
    private static final int MC = 64;
    private static final int KC = 256;
    private static final int NC = 256;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private VectorGemm() {}

    /** Touches the vector classes, so that a missing module fails here and not in the middle of a GEMM. */
    static int lanes() {
        return FloatVector.zero(S).length();
    }

    /**
     * Work is split into column blocks first, each packing its slice of B once per k block and sweeping all rows of
     * A past it, so B packing is amortized over M; rows are split too only when there are fewer blocks than cores.
     */
    static void gemm(Gemm g) {
        int m = g.m();
        int n = g.n();
        int threads = Parallel.THREADS;
        int width = NC;
        int colBlocks = ceilDiv(n, width);
        if ((long) g.batch() * colBlocks < threads && n > NR) {
            width = Math.min(NC, ceilDiv(ceilDiv(n, ceilDiv(threads, g.batch())), NR) * NR);
            colBlocks = ceilDiv(n, width);
        }
        int height = m;
        long blocks = (long) g.batch() * colBlocks;
        if (blocks < threads && m > MR) {
            height = ceilDiv(ceilDiv(m, (int) ceilDiv(threads, blocks)), MR) * MR;
        }
        int rowBlocks = ceilDiv(m, height);
        int blockCols = colBlocks;
        int cols = width;
        int rows = height;
        long tiles = blocks * rowBlocks;
        long flopsPerTile = 2L * Math.min(rows, m) * Math.min(cols, n) * Math.max(g.k(), 1);
        Parallel.forRange(tiles, Math.max(1, (1L << 19) / Math.max(flopsPerTile, 1)), (s, e) -> {
            Workspace w = WORKSPACE.get();
            for (long t = s; t < e; t++) {
                int rb = (int) (t % rowBlocks);
                long rest = t / rowBlocks;
                int cb = (int) (rest % blockCols);
                int b = (int) (rest / blockCols);
                tile(g, b, rb * rows, Math.min(rows, m - rb * rows), cb * cols, Math.min(cols, n - cb * cols), w);
            }
        });
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static final class Workspace {
        final float[] a = new float[MC * KC];
        final float[] b = new float[KC * NC];
        final float[] tile = new float[MR * NR];
    }

    /** C[i0 : i0+mrows, j0 : j0+nc] of one batch entry. */
    private static void tile(Gemm g, int batch, int i0, int mrows, int j0, int nc, Workspace w) {
        float[] a = ((CpuStorage) g.a()).f;
        float[] b = ((CpuStorage) g.b()).f;
        float[] c = ((CpuStorage) g.c()).f;
        long aBase = g.aOffset() + batch * g.aBatchStride();
        long bBase = g.bOffset() + batch * g.bBatchStride();
        int ldc = g.ldc();
        int cBase = (int) (g.cOffset() + batch * g.cBatchStride()) + i0 * ldc + j0;
        float beta = g.beta();
        if (beta != 1f) {
            for (int i = 0; i < mrows; i++) {
                int off = cBase + i * ldc;
                if (beta == 0f) {
                    java.util.Arrays.fill(c, off, off + nc, 0f);
                } else {
                    for (int j = 0; j < nc; j++) c[off + j] *= beta;
                }
            }
        }
        for (int p0 = 0; p0 < g.k(); p0 += KC) {
            int kc = Math.min(KC, g.k() - p0);
            packB(b, bBase, g.ldb(), g.transB(), p0, kc, j0, nc, w.b);
            for (int ic = 0; ic < mrows; ic += MC) {
                int mc = Math.min(MC, mrows - ic);
                packA(a, aBase, g.lda(), g.transA(), g.alpha(), i0 + ic, mc, p0, kc, w.a);
                for (int jr = 0; jr < nc; jr += NR) {
                    int cols = Math.min(NR, nc - jr);
                    for (int ir = 0; ir < mc; ir += MR) {
                        int co = cBase + (ic + ir) * ldc + jr;
                        kernel(w.a, ir * kc, w.b, jr * kc, kc, w.tile);
                        addTile(w.tile, c, co, ldc, Math.min(MR, mc - ir), cols);
                    }
                }
            }
        }
    }

    /** alpha·A[i0.., p0..] as MR-row slivers, each k-major: sliver s holds rows s·MR.. at {@code s·MR·kc + p·MR + r}. */
    private static void packA(float[] a, long base, int lda, boolean trans, float alpha, int i0, int mc, int p0, int kc,
                              float[] out) {
        for (int s = 0; s < mc; s += MR) {
            int o = s * kc;
            for (int r = 0; r < MR; r++) {
                int i = s + r;
                if (i >= mc) {
                    for (int p = 0; p < kc; p++) out[o + p * MR + r] = 0f;
                } else if (!trans) {
                    int src = (int) (base + (long) (i0 + i) * lda + p0);
                    for (int p = 0; p < kc; p++) out[o + p * MR + r] = alpha * a[src + p];
                } else {
                    int src = (int) (base + (long) p0 * lda + i0 + i);
                    for (int p = 0; p < kc; p++) out[o + p * MR + r] = alpha * a[src + p * lda];
                }
            }
        }
    }

    /** B[p0.., j0..] as NR-column slivers: sliver s holds columns s·NR.. at {@code s·NR·kc + p·NR + c}, zero-padded. */
    private static void packB(float[] b, long base, int ldb, boolean trans, int p0, int kc, int j0, int nc, float[] out) {
        for (int s = 0; s < nc; s += NR) {
            int o = s * kc;
            int cols = Math.min(NR, nc - s);
            if (!trans) {
                for (int p = 0; p < kc; p++) {
                    int dst = o + p * NR;
                    System.arraycopy(b, (int) (base + (long) (p0 + p) * ldb + j0 + s), out, dst, cols);
                    for (int c = cols; c < NR; c++) out[dst + c] = 0f;
                }
            } else {
                for (int c = 0; c < NR; c++) {
                    if (c >= cols) {
                        for (int p = 0; p < kc; p++) out[o + p * NR + c] = 0f;
                        continue;
                    }
                    int src = (int) (base + (long) (j0 + s + c) * ldb + p0);
                    for (int p = 0; p < kc; p++) out[o + p * NR + c] = b[src + p];
                }
            }
        }
    }

    /** The MR×NR product of one A sliver and one B sliver, left in {@code tile}; the k loop is all that is hot. */
    private static void kernel(float[] ap, int ao, float[] bp, int bo, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        for (int p = 0; p < kc; p++, ao += 4, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector x = FloatVector.broadcast(S, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
    }

    /** C[co.., ..] += tile, vectorized for a whole tile and element by element at the edges. */
    private static void addTile(float[] tile, float[] c, int co, int ldc, int rows, int cols) {
        if (cols == NR) {
            for (int r = 0; r < rows; r++) {
                int off = co + r * ldc;
                FloatVector.fromArray(S, c, off).add(FloatVector.fromArray(S, tile, r * NR)).intoArray(c, off);
                FloatVector.fromArray(S, c, off + L).add(FloatVector.fromArray(S, tile, r * NR + L)).intoArray(c, off + L);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) c[co + r * ldc + j] += tile[r * NR + j];
        }
    }
}

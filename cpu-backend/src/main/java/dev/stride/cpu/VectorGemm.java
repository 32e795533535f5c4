package dev.stride.cpu;

import dev.stride.backend.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * BLIS-style SGEMM on the JDK Vector API: an MR×NR tile of C lives in registers for the whole k loop, each step one
 * broadcast of A per row and three vector loads of a k-major B sliver. The tile is 4 rows by three vectors (4×48
 * with AVX-512, 4×24 with AVX2); measured with JDK 17 on this machine, 6- and 8-row tiles ran at 10–30 GFLOP/s, and
 * a third B vector beat two by 40% (see {@link #kernel}). The kernel stores its tile and another method adds it to C: with that
 * branch after the k loop, C2 sometimes compiled the kernel at a fifth of its speed. Needs
 * {@code --add-modules jdk.incubator.vector}; kept apart so that {@link CpuGemm} falls back to the C2-vectorized
 * kernel where the module is absent.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int NR = 3 * L;
    static final int MR = 4;
    private static final int MC = 64;
    private static final int KC = 256;
    private static final int NC = 11 * NR;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private VectorGemm() {}

    /** Touches the vector classes, so that a missing module fails here and not in the middle of a GEMM. */
    static int lanes() {
        return FloatVector.zero(S).length();
    }

    /**
     * One GEMM with the roles of its operands fixed: the product is C = alpha·A·B + beta·C over an {@code m×n} C
     * whose element (i, j) lives at {@code i·rowStride + j·colStride}. When B is stored transposed its packing is a
     * transpose, so for C = A·Bᵀ the operands swap roles (Cᵀ = B·Aᵀ, written back transposed) when that pads less:
     * the conv weight gradient (32 × 144 from a 196-long k) then transposes 32 rows instead of 144.
     */
    record Plan(int m, int n, int k, float alpha, float[] a, long aOffset, long aBatch, int lda, boolean transA,
                float[] b, long bOffset, long bBatch, int ldb, boolean transB,
                float beta, float[] c, long cOffset, long cBatch, int rowStride, int colStride) {
        static Plan of(Gemm g) {
            float[] a = ((CpuStorage) g.a()).f();
            float[] b = ((CpuStorage) g.b()).f();
            float[] c = ((CpuStorage) g.c()).f();
            if (g.transB() && !g.transA() && paddedWork(g.n(), g.m()) < paddedWork(g.m(), g.n())) {
                return new Plan(g.n(), g.m(), g.k(), g.alpha(), b, g.bOffset(), g.bBatchStride(), g.ldb(), false,
                        a, g.aOffset(), g.aBatchStride(), g.lda(), true, g.beta(), c, g.cOffset(), g.cBatchStride(), 1, g.ldc());
            }
            return new Plan(g.m(), g.n(), g.k(), g.alpha(), a, g.aOffset(), g.aBatchStride(), g.lda(), g.transA(),
                    b, g.bOffset(), g.bBatchStride(), g.ldb(), g.transB(), g.beta(), c, g.cOffset(), g.cBatchStride(), g.ldc(), 1);
        }

        /** One unbatched product {@code C = op(A)·op(B) + beta·C}, C element (i, j) at {@code cOffset + i·rs + j·cs}. */
        static Plan single(int m, int n, int k, float[] a, int aOffset, int lda, boolean transA, float[] b, int bOffset,
                           int ldb, boolean transB, float beta, float[] c, int cOffset, int rowStride, int colStride) {
            return new Plan(m, n, k, 1f, a, aOffset, 0, lda, transA, b, bOffset, 0, ldb, transB, beta, c, cOffset, 0,
                    rowStride, colStride);
        }
    }

    /** Runs a whole plan (batch entry 0) on the calling thread, for callers that parallelize above one product. */
    static void serial(Plan pl) {
        Workspace w = WORKSPACE.get();
        for (int j0 = 0; j0 < pl.n() && pl.m() > 0; j0 += NC) tile(pl, 0, 0, pl.m(), j0, Math.min(NC, pl.n() - j0), w);
    }

    /** Kernel work of an m×n product: the register tile pads m to MR and n to NR. */
    private static long paddedWork(int m, int n) {
        return (long) ceilDiv(m, MR) * MR * ceilDiv(n, NR) * NR;
    }

    /**
     * Work is split into column blocks first, each packing its slice of B once per k block and sweeping all rows of
     * A past it, so B packing is amortized over M; rows are split too only when there are fewer blocks than cores.
     */
    static void gemm(Gemm g) {
        Plan pl = Plan.of(g);
        int m = pl.m();
        int n = pl.n();
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
        long flopsPerTile = 2L * Math.min(rows, m) * Math.min(cols, n) * Math.max(pl.k(), 1);
        Parallel.forRange(tiles, Math.max(1, (1L << 19) / Math.max(flopsPerTile, 1)), (s, e) -> {
            Workspace w = WORKSPACE.get();
            for (long t = s; t < e; t++) {
                int rb = (int) (t % rowBlocks);
                long rest = t / rowBlocks;
                int cb = (int) (rest % blockCols);
                int b = (int) (rest / blockCols);
                tile(pl, b, rb * rows, Math.min(rows, m - rb * rows), cb * cols, Math.min(cols, n - cb * cols), w);
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
        final float[] a = new float[MR * KC];
        final float[] b = new float[KC * NC];
        final float[] tile = new float[MR * NR];
    }

    /** C[i0 : i0+mrows, j0 : j0+nc] of one batch entry. */
    private static void tile(Plan pl, int batch, int i0, int mrows, int j0, int nc, Workspace w) {
        float[] c = pl.c();
        long aBase = pl.aOffset() + batch * pl.aBatch();
        long bBase = pl.bOffset() + batch * pl.bBatch();
        int rs = pl.rowStride();
        int cs = pl.colStride();
        int cBase = (int) (pl.cOffset() + batch * pl.cBatch()) + i0 * rs + j0 * cs;
        float beta = pl.beta();
        if (beta != 1f && beta != 0f) {
            for (int i = 0; i < mrows; i++) {
                for (int j = 0; j < nc; j++) c[cBase + i * rs + j * cs] *= beta;
            }
        }
        // With few rows, packing B would cost as much as the product (conv layers: M = 16 or 32 output channels), so
        // a row-major B is read in place and only its ragged last sliver is packed.
        boolean inPlace = !pl.transB() && mrows <= MC;
        for (int p0 = 0; p0 < pl.k(); p0 += KC) {
            int kc = Math.min(KC, pl.k() - p0);
            boolean overwrite = p0 == 0 && beta == 0f;
            if (!inPlace) {
                for (int jr = 0; jr < nc; jr += NR) {
                    packSliver(pl.b(), bBase, pl.ldb(), pl.transB(), p0, kc, j0 + jr, Math.min(NR, nc - jr), w.b, jr * kc);
                }
            }
            for (int ic = 0; ic < mrows; ic += MC) {
                int mc = Math.min(MC, mrows - ic);
                for (int jr = 0; jr < nc; jr += NR) {
                    int cols = Math.min(NR, nc - jr);
                    float[] bp = w.b;
                    int bo = jr * kc;
                    int bStride = NR;
                    if (inPlace && cols == NR) {
                        bp = pl.b();
                        bo = (int) (bBase + (long) p0 * pl.ldb() + j0 + jr);
                        bStride = pl.ldb();
                    } else if (inPlace) {
                        packSliver(pl.b(), bBase, pl.ldb(), false, p0, kc, j0 + jr, cols, w.b, bo);
                    }
                    for (int ir = 0; ir < mc; ir += MR) {
                        int rows = Math.min(MR, mc - ir);
                        int i = i0 + ic + ir;
                        // A is read where it lies (the kernel broadcasts single elements, so rows need not be packed);
                        // only a ragged last sliver is copied, zero-padded, so the kernel never reads past the matrix.
                        float[] ap = pl.a();
                        int ao = (int) (aBase + (pl.transA() ? (long) p0 * pl.lda() + i : (long) i * pl.lda() + p0));
                        int rowStep = pl.transA() ? 1 : pl.lda();
                        int kStep = pl.transA() ? pl.lda() : 1;
                        if (rows < MR) {
                            packA(pl.a(), aBase, pl.lda(), pl.transA(), i, rows, p0, kc, w.a);
                            ap = w.a;
                            ao = 0;
                            rowStep = 1;
                            kStep = MR;
                        }
                        int co = cBase + (ic + ir) * rs + jr * cs;
                        kernel(ap, ao, rowStep, kStep, bp, bo, bStride, kc, w.tile);
                        addTile(w.tile, pl.alpha(), c, co, rs, cs, rows, cols, overwrite);
                    }
                }
            }
        }
        if (pl.k() == 0 && beta == 0f) {
            for (int i = 0; i < mrows; i++) {
                for (int j = 0; j < nc; j++) c[cBase + i * rs + j * cs] = 0f;
            }
        }
    }

    /** A[i.., p0..] for {@code rows < MR} rows as one k-major sliver at {@code out[p·MR + r]}, zero-padded. */
    private static void packA(float[] a, long base, int lda, boolean trans, int i, int rows, int p0, int kc, float[] out) {
        for (int r = 0; r < MR; r++) {
            if (r >= rows) {
                for (int p = 0; p < kc; p++) out[p * MR + r] = 0f;
            } else if (!trans) {
                int src = (int) (base + (long) (i + r) * lda + p0);
                for (int p = 0; p < kc; p++) out[p * MR + r] = a[src + p];
            } else {
                int src = (int) (base + (long) p0 * lda + i + r);
                for (int p = 0; p < kc; p++) out[p * MR + r] = a[src + p * lda];
            }
        }
    }

    /** B[p0.., j0+s..] as one NR-column sliver at {@code out[o + p·NR + c]}, zero-padded past {@code cols}. */
    private static void packSliver(float[] b, long base, int ldb, boolean trans, int p0, int kc, int j, int cols,
                                   float[] out, int o) {
        if (!trans) {
            for (int p = 0; p < kc; p++) {
                int dst = o + p * NR;
                System.arraycopy(b, (int) (base + (long) (p0 + p) * ldb + j), out, dst, cols);
                if (cols < NR) java.util.Arrays.fill(out, dst + cols, dst + NR, 0f);
            }
            return;
        }
        // A transpose: eight k-steps at a time, so the 8·NR destination floats stay in L1 while NR source rows stream.
        for (int p = 0; p < kc; p += 8) {
            int pe = Math.min(8, kc - p);
            for (int c = 0; c < cols; c++) {
                int src = (int) (base + (long) (j + c) * ldb + p0 + p);
                int dst = o + p * NR + c;
                for (int q = 0; q < pe; q++) out[dst + q * NR] = b[src + q];
            }
            for (int q = 0; q < pe; q++) {
                for (int c = o + (p + q) * NR + cols, end = o + (p + q + 1) * NR; c < end; c++) out[c] = 0f;
            }
        }
    }

    /**
     * The MR×NR product of one A sliver and one B sliver, left in {@code tile}; the k loop is all that is hot. Twelve
     * accumulators, three B vectors and one broadcast fill AVX2's sixteen registers: seven loads feed twelve FMAs,
     * where a 4×16 tile fed eight with six (measured with JDK 17 here, in place on a 32×144 by 144×192 product,
     * one thread: 4×24 at a median 57 GFLOP/s, 4×16 at 40–42).
     */
    static void kernel(float[] ap, int ao, int rowStep, int kStep, float[] bp, int bo, int bStride, int kc,
                       float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z;
        int a1 = rowStep;
        int a2 = 2 * rowStep;
        int a3 = 3 * rowStep;
        for (int p = 0; p < kc; p++, ao += kStep, bo += bStride) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector x = FloatVector.broadcast(S, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, ap[ao + a1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, ap[ao + a2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, ap[ao + a3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c12.intoArray(tile, NR + 2 * L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c22.intoArray(tile, 2 * NR + 2 * L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c32.intoArray(tile, 3 * NR + 2 * L);
    }

    /** C[co.., ..] += tile (or = tile when {@code overwrite}): whole rows of a row-major C as vectors, else by element. */
    static void addTile(float[] tile, float alpha, float[] c, int co, int rs, int cs, int rows, int cols,
                        boolean overwrite) {
        if (cols == NR && cs == 1) {
            for (int r = 0; r < rows; r++) {
                int off = co + r * rs;
                for (int v = 0; v < NR; v += L) {
                    FloatVector t = FloatVector.fromArray(S, tile, r * NR + v).mul(alpha);
                    if (!overwrite) t = t.add(FloatVector.fromArray(S, c, off + v));
                    t.intoArray(c, off + v);
                }
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                int o = co + r * rs + j * cs;
                c[o] = overwrite ? alpha * tile[r * NR + j] : c[o] + alpha * tile[r * NR + j];
            }
        }
    }

    /** Lanes of {@link #dotAccumulate}'s sums: eight on every machine, so its bits do not depend on the vector width. */
    static final int DOT_LANES = 8;
    private static final VectorSpecies<Float> D = FloatVector.SPECIES_256;

    /**
     * {@code acc[(i·n + j)·8 + lane] += Σ a[i][p]·b[j][p]} over the p with {@code p mod 8 = lane}, for the rows of a
     * row-major {@code a} (m × len) and {@code b} (n × len), below the last multiple of 8; the positions past it
     * accumulate into {@code tail[i·n + j]}.
     * Both operands stream along their rows, so nothing is packed: this is the shape of a convolution's weight
     * gradient, where the sum runs over positions. The caller adds the eight lanes, in order, and the tail when it is done.
     */
    static void dotAccumulate(int m, int n, int len, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] acc, float[] tail) {
        int whole = len - len % DOT_LANES;
        // b's four rows stay in L1 while all of a's rows pass them: a (dy of one image) is the smaller operand.
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            int i = 0;
            for (; i + 2 <= m; i += 2) {
                dot2x4(a, aOff + i * lda, lda, b, bOff + j * ldb, ldb, whole, acc, (i * n + j) * DOT_LANES, n * DOT_LANES);
            }
            for (; i < m; i++) {
                for (int q = j; q < j + 4; q++) dot1(a, aOff + i * lda, b, bOff + q * ldb, whole, acc, (i * n + q) * DOT_LANES);
            }
        }
        for (; j < n; j++) {
            for (int i = 0; i < m; i++) dot1(a, aOff + i * lda, b, bOff + j * ldb, whole, acc, (i * n + j) * DOT_LANES);
        }
        if (whole == len) return;
        // The last len mod 8 positions: b's columns transposed once, then rank-1 updates of tail along its rows, so
        // no sum runs through a scalar chain per (i, j).
        int t = len - whole;
        float[] bt = new float[t * n];
        for (int q = 0; q < n; q++) {
            for (int p = 0; p < t; p++) bt[p * n + q] = b[bOff + q * ldb + whole + p];
        }
        int wide = n - n % DOT_LANES;
        for (int i = 0; i < m; i++) {
            int row = i * n;
            for (int p = 0; p < t; p++) {
                float av = a[aOff + i * lda + whole + p];
                FloatVector x = FloatVector.broadcast(D, av);
                int q = 0;
                for (; q < wide; q += DOT_LANES) {
                    x.fma(FloatVector.fromArray(D, bt, p * n + q), FloatVector.fromArray(D, tail, row + q)).intoArray(tail, row + q);
                }
                for (; q < n; q++) tail[row + q] = Math.fma(av, bt[p * n + q], tail[row + q]);
            }
        }
    }

    private static void dot2x4(float[] a, int a0, int lda, float[] b, int b0, int ldb, int whole, float[] acc, int o,
                               int rowStep) {
        FloatVector z = FloatVector.zero(D);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        int a1 = a0 + lda;
        int b1 = b0 + ldb;
        int b2 = b1 + ldb;
        int b3 = b2 + ldb;
        for (int p = 0; p < whole; p += DOT_LANES) {
            FloatVector x0 = FloatVector.fromArray(D, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(D, a, a1 + p);
            FloatVector y = FloatVector.fromArray(D, b, b0 + p);
            c00 = x0.fma(y, c00);
            c10 = x1.fma(y, c10);
            y = FloatVector.fromArray(D, b, b1 + p);
            c01 = x0.fma(y, c01);
            c11 = x1.fma(y, c11);
            y = FloatVector.fromArray(D, b, b2 + p);
            c02 = x0.fma(y, c02);
            c12 = x1.fma(y, c12);
            y = FloatVector.fromArray(D, b, b3 + p);
            c03 = x0.fma(y, c03);
            c13 = x1.fma(y, c13);
        }
        add(acc, o, c00);
        add(acc, o + DOT_LANES, c01);
        add(acc, o + 2 * DOT_LANES, c02);
        add(acc, o + 3 * DOT_LANES, c03);
        add(acc, o + rowStep, c10);
        add(acc, o + rowStep + DOT_LANES, c11);
        add(acc, o + rowStep + 2 * DOT_LANES, c12);
        add(acc, o + rowStep + 3 * DOT_LANES, c13);
    }

    private static void dot1(float[] a, int a0, float[] b, int b0, int whole, float[] acc, int o) {
        FloatVector c = FloatVector.zero(D);
        for (int p = 0; p < whole; p += DOT_LANES) {
            c = FloatVector.fromArray(D, a, a0 + p).fma(FloatVector.fromArray(D, b, b0 + p), c);
        }
        add(acc, o, c);
    }

    private static void add(float[] acc, int o, FloatVector v) {
        FloatVector.fromArray(D, acc, o).add(v).intoArray(acc, o);
    }
}

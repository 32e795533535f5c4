package dev.stride.cpu;

import dev.stride.backend.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * BLIS-style SGEMM on the JDK Vector API: an MR×NR tile of C lives in registers for the whole k loop, each step one
 * broadcast of A per row and two vector loads of a k-major B sliver. The tile is 6 rows by two vectors, 6×16. A is
 * always packed, its rows {@link #KC} apart, so the kernel's six broadcasts read at constant offsets; see
 * {@link #kernel} for what that and the tile shape were measured to be worth. The kernel stores its tile and another
 * method adds it to C: with that branch after the k loop, C2 sometimes compiled the kernel at a fifth of its speed.
 * Needs {@code --add-modules jdk.incubator.vector}; kept apart so that {@link CpuGemm} falls back to the C2-vectorized
 * kernel where the module is absent.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = Simd.FLOAT;
    private static final int L = S.length();
    static final int NR = 2 * L;
    static final int MR = 6;
    static final int MC = 72;
    static final int KC = 256;
    /**
     * Widest column block. Its packed B (KC×NC, 400 KB) is streamed one 16 KB sliver at a time into L1;
     * only the packed A block (72 KB) needs to stay in L2 (512 KB a core on the Zen 3 machine measured here).
     */
    private static final int NC = 25 * NR;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private VectorGemm() {}

    /** Touches the vector classes, so that a missing module fails here and not in the middle of a GEMM. */
    static int lanes() {
        return FloatVector.zero(S).length();
    }

    /**
     * One GEMM with the roles of its operands fixed: the product is C = alpha·A·B + beta·C over an {@code m×n} C
     * whose element (i, j) lives at {@code i·rowStride + j·colStride}. Both operands are packed either way, so for
     * C = A·Bᵀ the roles swap (Cᵀ = B·Aᵀ, written back transposed, element by element) only where that saves more
     * than an eighth of the tile work padded to MR×NR: an MLP's 10-wide output layer, not its 256-wide hidden ones.
     */
    record Plan(int m, int n, int k, float alpha, float[] a, long aOffset, long aBatch, int lda, boolean transA,
                float[] b, long bOffset, long bBatch, int ldb, boolean transB,
                float beta, float[] c, long cOffset, long cBatch, int rowStride, int colStride) {
        static Plan of(Gemm g) {
            float[] a = ((CpuStorage) g.a()).f();
            float[] b = ((CpuStorage) g.b()).f();
            float[] c = ((CpuStorage) g.c()).f();
            if (g.transB() && !g.transA() && 8 * paddedWork(g.n(), g.m()) < 7 * paddedWork(g.m(), g.n())) {
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
     * Blocks come in a multiple of the cores and of near-equal width: the MLP's 784-wide weight gradient in blocks
     * of 256 left one core 256 columns more than the other, and packed A once per block, four times.
     * <p>
     * A weight gradient (A transposed: dYᵀ·X) is split by its rows instead, the layer's output features, as the forward
     * product splits its columns: each core then computes, updates (CpuOptim) and reads the same rows of the weight
     * every step, from its own cache (Parallel).
     */
    static void gemm(Gemm g) {
        Plan pl = Plan.of(g);
        int m = pl.m();
        int n = pl.n();
        int threads = Parallel.THREADS;
        boolean byRows = pl.transA() && g.batch() == 1 && m >= 4 * MR * threads;
        int colBlocks = ceilDiv(n, NC);
        if (!byRows && (g.batch() == 1 || (long) g.batch() * colBlocks < threads)) {
            int perEntry = g.batch() >= threads ? 1 : ceilDiv(threads, g.batch());
            colBlocks = Math.min(ceilDiv(colBlocks, perEntry) * perEntry, ceilDiv(n, NR));
        }
        int width = Math.max(NR, ceilDiv(ceilDiv(n, Math.max(colBlocks, 1)), NR) * NR);
        colBlocks = ceilDiv(n, width);
        int height = m;
        long blocks = (long) g.batch() * colBlocks;
        if (byRows) {
            height = ceilDiv(ceilDiv(m, threads), MR) * MR;
        } else if (blocks < threads && m > MR) {
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
                // By rows, a thread's share of the tiles is whole row blocks.
                int rb = (int) (byRows ? t / blockCols : t % rowBlocks);
                long rest = byRows ? t % blockCols : t / rowBlocks;
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
        final float[] a = new float[MC * KC];
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
                packA(pl.a(), aBase, pl.lda(), pl.transA(), i0 + ic, mc, p0, kc, w.a);
                if (inPlace) {
                    inPlaceBlock(pl, bBase, p0, kc, j0, nc, mc, cBase + ic * rs, overwrite, w);
                    continue;
                }
                // One A sliver stays in L1 while the packed B panel streams past it from L2, so C is written along
                // its rows. B slivers outermost instead wrote C down its columns, a row (4 KB at n = 1024) apart,
                // and its misses cost a fifth of a 1024² product (10-17% slower at n = 1024 and 2048).
                for (int ir = 0; ir < mc; ir += MR) {
                    for (int jr = 0; jr < nc; jr += NR) {
                        kernel(w.a, ir * KC, w.b, jr * kc, NR, kc, w.tile);
                        addTile(w.tile, pl.alpha(), c, cBase + (ic + ir) * rs + jr * cs, rs, cs, Math.min(MR, mc - ir),
                                Math.min(NR, nc - jr), overwrite);
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

    /** One packed A block times a row-major B read in place; only a ragged last sliver of B is packed. */
    private static void inPlaceBlock(Plan pl, long bBase, int p0, int kc, int j0, int nc, int mc, int co,
                                     boolean overwrite, Workspace w) {
        int rs = pl.rowStride();
        int cs = pl.colStride();
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            float[] bp = pl.b();
            int bo = (int) (bBase + (long) p0 * pl.ldb() + j0 + jr);
            int bStride = pl.ldb();
            if (cols < NR) {
                packSliver(pl.b(), bBase, pl.ldb(), false, p0, kc, j0 + jr, cols, w.b, 0);
                bp = w.b;
                bo = 0;
                bStride = NR;
            }
            for (int ir = 0; ir < mc; ir += MR) {
                kernel(w.a, ir * KC, bp, bo, bStride, kc, w.tile);
                addTile(w.tile, pl.alpha(), pl.c(), co + ir * rs + jr * cs, rs, cs, Math.min(MR, mc - ir), cols, overwrite);
            }
        }
    }

    /**
     * {@code C = A·B} on the calling thread for a row-major A ({@code m×k}) and a B read in place whose row p is
     * {@code b[rowOff[p] ..]}, {@code step[p] = rowOff[p + 1] − rowOff[p]}: a stride-1 convolution's unfolded input,
     * read from a zero-padded image without unfolding it. C is row-major, {@code ldc} apart; n is a whole number of
     * slivers.
     */
    static void serialRows(int m, int n, int k, float[] a, float[] b, int[] rowOff, int[] step, float[] c, int cOffset,
                           int ldc) {
        Workspace w = WORKSPACE.get();
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                packA(a, 0, k, false, ic, mc, p0, kc, w.a);
                for (int jr = 0; jr < n; jr += NR) {
                    for (int ir = 0; ir < mc; ir += MR) {
                        kernelRows(w.a, ir * KC, b, rowOff[p0] + jr, step, p0, kc, w.tile);
                        addTile(w.tile, 1f, c, cOffset + (ic + ir) * ldc + jr, ldc, 1, Math.min(MR, mc - ir), NR, p0 == 0);
                    }
                }
            }
        }
    }

    /**
     * A[i : i+rows, p0 : p0+kc] as slivers of MR rows, row r of sliver s at {@code out[(s + r)·KC + p]}, the last
     * sliver zero-padded: the kernel reads A at constant offsets, and packing a row-major A is a copy per row.
     */
    private static void packA(float[] a, long base, int lda, boolean trans, int i, int rows, int p0, int kc, float[] out) {
        for (int s = 0; s < rows; s += MR) {
            int live = Math.min(MR, rows - s);
            if (trans && live == MR) {
                // Written out by hand, as in packSliver: 0.5 ns a float against 0.7-1.2 for the loop below.
                int o = s * KC;
                for (int p = 0; p < kc; p++) {
                    int src = (int) (base + (long) (p0 + p) * lda + i + s);
                    float v0 = a[src], v1 = a[src + 1], v2 = a[src + 2], v3 = a[src + 3], v4 = a[src + 4], v5 = a[src + 5];
                    out[o + p] = v0;
                    out[o + KC + p] = v1;
                    out[o + 2 * KC + p] = v2;
                    out[o + 3 * KC + p] = v3;
                    out[o + 4 * KC + p] = v4;
                    out[o + 5 * KC + p] = v5;
                }
            } else if (trans) {
                for (int p = 0; p < kc; p++) {
                    int src = (int) (base + (long) (p0 + p) * lda + i + s);
                    for (int r = 0; r < live; r++) out[(s + r) * KC + p] = a[src + r];
                }
            } else {
                for (int r = 0; r < live; r++) {
                    System.arraycopy(a, (int) (base + (long) (i + s + r) * lda + p0), out, (s + r) * KC, kc);
                }
            }
            for (int r = live; r < MR; r++) java.util.Arrays.fill(out, (s + r) * KC, (s + r) * KC + kc, 0f);
        }
    }

    /** B[p0.., j0+s..] as one NR-column sliver at {@code out[o + p·NR + c]}, zero-padded past {@code cols}. */
    private static void packSliver(float[] b, long base, int ldb, boolean trans, int p0, int kc, int j, int cols,
                                   float[] out, int o) {
        if (!trans && cols == NR) {
            // Two vector copies a row: 0.14 ns a float against 0.33 for an arraycopy call per 16-float row.
            for (int p = 0; p < kc; p++) {
                int src = (int) (base + (long) (p0 + p) * ldb + j);
                FloatVector.fromArray(S, b, src).intoArray(out, o + p * NR);
                FloatVector.fromArray(S, b, src + L).intoArray(out, o + p * NR + L);
            }
            return;
        }
        if (!trans) {
            for (int p = 0; p < kc; p++) {
                int dst = o + p * NR;
                System.arraycopy(b, (int) (base + (long) (p0 + p) * ldb + j), out, dst, cols);
                if (cols < NR) java.util.Arrays.fill(out, dst + cols, dst + NR, 0f);
            }
            return;
        }
        // A transpose, eight k-steps of one source row at a time, written out by hand: the same loop over a
        // variable count of k-steps ran at 1.5 ns a float, this one at 0.6 (W1ᵀ of the MLP, in L2).
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
            int dst = o + p * NR;
            for (int c = 0; c < cols; c++, dst++) {
                int src = (int) (base + (long) (j + c) * ldb + p0 + p);
                float v0 = b[src], v1 = b[src + 1], v2 = b[src + 2], v3 = b[src + 3];
                float v4 = b[src + 4], v5 = b[src + 5], v6 = b[src + 6], v7 = b[src + 7];
                out[dst] = v0;
                out[dst + NR] = v1;
                out[dst + 2 * NR] = v2;
                out[dst + 3 * NR] = v3;
                out[dst + 4 * NR] = v4;
                out[dst + 5 * NR] = v5;
                out[dst + 6 * NR] = v6;
                out[dst + 7 * NR] = v7;
            }
        }
        for (; p < kc; p++) {
            for (int c = 0; c < cols; c++) out[o + p * NR + c] = b[(int) (base + (long) (j + c) * ldb + p0 + p)];
        }
        if (cols < NR) {
            for (p = 0; p < kc; p++) java.util.Arrays.fill(out, o + p * NR + cols, o + (p + 1) * NR, 0f);
        }
    }

    /**
     * The MR×NR product of one packed A sliver (rows {@link #KC} apart) and one B sliver whose rows are
     * {@code bStride} apart, left in {@code tile}; the k loop is all that is hot. Twelve accumulators, two B vectors
     * and the broadcasts fit AVX2's sixteen registers. Measured with JDK 17 on a Zen 3, one thread, data in L1,
     * kc = 256: this kernel 87–90 GFLOP/s; the same tile with a k-major A sliver 73–81; the 4×24 tile used before,
     * 38–40, because C2 scheduled its broadcasts early and spilled two accumulators to the stack; 4×16 69–72, 3×24
     * 52–58, 2×32 39–42.
     */
    static void kernel(float[] ap, int ao, float[] bp, int bo, int bStride, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int p = 0; p < kc; bo += bStride, p++) {
            int a = ao + p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector x = FloatVector.broadcast(S, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a + 1 * KC]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a + 2 * KC]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a + 3 * KC]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[a + 4 * KC]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[a + 5 * KC]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    /**
     * {@link #kernel} with B's row p + 1 {@code step[r0 + p]} after row p ({@link #serialRows}). A copy, not a branch
     * in one kernel: once convolutions had run it with a table, C2 compiled the shared kernel's loop for both
     * (unswitched), and a 1024² GEMM after the warm-up ran at 53–78 GFLOP/s on one core against 81–97. Reading each
     * row's offset from a table instead of a step ran at 70%: C2 then proved the B loads in bounds, hoisted them and
     * spilled accumulators.
     */
    static void kernelRows(float[] ap, int ao, float[] bp, int bo, int[] step, int r0, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int p = 0; p < kc; bo += step[r0 + p], p++) {
            int a = ao + p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector x = FloatVector.broadcast(S, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a + 1 * KC]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a + 2 * KC]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a + 3 * KC]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[a + 4 * KC]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[a + 5 * KC]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
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

    /** Lanes of {@link #dotAccumulate}'s sums, eight ({@link Simd}). */
    static final int DOT_LANES = L;

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
                FloatVector x = FloatVector.broadcast(S, av);
                int q = 0;
                for (; q < wide; q += DOT_LANES) {
                    x.fma(FloatVector.fromArray(S, bt, p * n + q), FloatVector.fromArray(S, tail, row + q)).intoArray(tail, row + q);
                }
                for (; q < n; q++) tail[row + q] = Math.fma(av, bt[p * n + q], tail[row + q]);
            }
        }
    }

    private static void dot2x4(float[] a, int a0, int lda, float[] b, int b0, int ldb, int whole, float[] acc, int o,
                               int rowStep) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        int a1 = a0 + lda;
        int b1 = b0 + ldb;
        int b2 = b1 + ldb;
        int b3 = b2 + ldb;
        for (int p = 0; p < whole; p += DOT_LANES) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector y = FloatVector.fromArray(S, b, b0 + p);
            c00 = x0.fma(y, c00);
            c10 = x1.fma(y, c10);
            y = FloatVector.fromArray(S, b, b1 + p);
            c01 = x0.fma(y, c01);
            c11 = x1.fma(y, c11);
            y = FloatVector.fromArray(S, b, b2 + p);
            c02 = x0.fma(y, c02);
            c12 = x1.fma(y, c12);
            y = FloatVector.fromArray(S, b, b3 + p);
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
        FloatVector c = FloatVector.zero(S);
        for (int p = 0; p < whole; p += DOT_LANES) {
            c = FloatVector.fromArray(S, a, a0 + p).fma(FloatVector.fromArray(S, b, b0 + p), c);
        }
        add(acc, o, c);
    }

    private static void add(float[] acc, int o, FloatVector v) {
        FloatVector.fromArray(S, acc, o).add(v).intoArray(acc, o);
    }
}

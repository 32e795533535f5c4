package dev.stride.cpu;

import dev.stride.backend.Window;

/**
 * Convolution one image at a time: each image is unfolded into a per-thread buffer that stays in L2 and multiplied
 * there by {@link VectorGemm}, so the batch's columns (14.5 MB for conv2 of the CNN) never pass through memory,
 * neither written by im2col nor read back by GEMM; backward unfolds again instead of keeping them, and at stride 1
 * a product may read its unfolded rows in place from a zero-padded copy of the image instead. Images run in
 * parallel; the weight gradient sums images in fixed groups, then the groups in order, so its bits do not depend
 * on the thread count.
 */
final class CpuConv {
    private CpuConv() {}

    /** Weight-gradient partial sums: at most this many, whatever the batch, so memory stays bounded. */
    private static final int GROUPS = 16;
    private static final ThreadLocal<float[][]> BUFFER = ThreadLocal.withInitial(() -> new float[1][0]);

    /** A per-thread scratch array of at least {@code n} floats; contents undefined. */
    private static float[] scratch(int n) {
        float[][] holder = BUFFER.get();
        if (holder[0].length < n) holder[0] = new float[n];
        return holder[0];
    }

    /** Image {@code image}'s K unfolded rows, {@code ld} apart. */
    private static void unfold(float[] x, int xOffset, Window g, int image, float[] cols, int ld) {
        int plane = g.h() * g.w();
        int block = g.kh() * g.kw() * ld;
        for (int c = 0; c < g.c(); c++) {
            CpuWindow.unfoldPlane(x, xOffset + (image * g.c() + c) * plane, g, 0f, cols, c * block, ld);
        }
    }

    /** {@code y[n] = w · unfold(x[n])} for contiguous x, w {@code [cout, K]} and y. */
    static void forward(float[] x, int xOffset, float[] w, Window g, int cout, float[] y) {
        if (g.sh() == 1 && g.sw() == 1 && implicitPays(g, cout)) {
            implicitForward(x, xOffset, w, g, cout, y);
        } else {
            unfoldedForward(x, xOffset, w, g, cout, y);
        }
    }

    /**
     * Whether reading the padded image in place saves more than its product's extra columns cost: the unfold writes
     * and the GEMM reads K rows of positions, the implicit product instead multiplies {@code wp − outW} dropped
     * columns per output row, and the unfolded product can write a sliver-wide output in place. Moving a float costs
     * about three of the kernel's multiply-adds, fitted on the CNN's layers (best of six, 2 threads): the input
     * gradient of its second layer (16 rows of K = 288) ran in 4.3–4.6 ms against 5.2–5.6 unfolded; its forward
     * (32 rows of 144) tied; its first layer (K = 9, 784 positions) ran 25% slower.
     */
    private static boolean implicitPays(Window g, int cout) {
        long positions = g.positions();
        long wp = g.w() + 2L * g.pw();
        long ld = ceilTo(positions);
        long moved = g.patch() * positions - g.c() * (g.h() + 2L * g.ph()) * wp - (ld == positions ? cout * positions : 0);
        return 3 * moved > (long) cout * g.patch() * (ceilTo(g.outH() * wp) - ld);
    }

    /** {@code n} rounded up to whole GEMM slivers. */
    private static long ceilTo(long n) {
        return (n + VectorGemm.NR - 1) / VectorGemm.NR * VectorGemm.NR;
    }

    /**
     * {@link #forward} by unfolding each image, any stride. The unfolded rows are padded to whole GEMM slivers (196
     * positions to 208), so the kernel reads every sliver in place instead of packing a ragged last one; the product
     * lands in a padded scratch tile and its rows are copied out.
     */
    static void unfoldedForward(float[] x, int xOffset, float[] w, Window g, int cout, float[] y) {
        int k = g.patch();
        int p = g.positions();
        int ld = (int) ceilTo(p);
        Parallel.forRange(g.n(), 1, (s, e) -> {
            float[] cols = scratch(k * ld + cout * ld);
            int tile = k * ld;
            // The padding columns are multiplied too (their products are dropped): zeros keep them finite and fast.
            for (int r = 0; r < k && ld > p; r++) java.util.Arrays.fill(cols, r * ld + p, (r + 1) * ld, 0f);
            for (int n = (int) s; n < e; n++) {
                unfold(x, xOffset, g, n, cols, ld);
                if (ld == p) {
                    VectorGemm.serial(VectorGemm.Plan.single(cout, p, k, w, 0, k, false, cols, 0, p, false,
                            0f, y, n * cout * p, p, 1));
                    continue;
                }
                VectorGemm.serial(VectorGemm.Plan.single(cout, ld, k, w, 0, k, false, cols, 0, ld, false,
                        0f, cols, tile, ld, 1));
                for (int co = 0; co < cout; co++) System.arraycopy(cols, tile + co * ld, y, (n * cout + co) * p, p);
            }
        });
    }

    /**
     * Stride 1 without unfolding: each image is copied into zero-padded planes {@code wp} wide, and the output is
     * computed on a grid of {@code outH} rows by {@code wp} columns, where every unfolded row is one flat offset into
     * the padded image ({@link VectorGemm#serialRows}); the {@code wp − outW} extra columns of each row are dropped.
     * Same products in the same order as the unfolded GEMM, so the same bits.
     */
    static void implicitForward(float[] x, int xOffset, float[] w, Window g, int cout, float[] y) {
        int hp = g.h() + 2 * g.ph();
        int wp = g.w() + 2 * g.pw();
        int oh = g.outH();
        int ow = g.outW();
        int k = g.patch();
        int ld = (int) ceilTo((long) oh * wp);
        int plane = hp * wp;
        int[] rowOff = new int[k];
        for (int c = 0, r = 0; c < g.c(); c++) {
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++) rowOff[r++] = c * plane + i * g.dh() * wp + j * g.dw();
            }
        }
        int[] step = new int[k];
        for (int r = 0; r + 1 < k; r++) step[r] = rowOff[r + 1] - rowOff[r];
        // The last row's reads run up to ld columns past its offset: past the image, into zeros.
        int image = rowOff[k - 1] + ld;
        Parallel.forRange(g.n(), 1, (s, e) -> {
            float[] buf = scratch(image + cout * ld);
            java.util.Arrays.fill(buf, 0, image, 0f);
            for (int n = (int) s; n < e; n++) {
                for (int c = 0; c < g.c(); c++) {
                    int src = xOffset + (n * g.c() + c) * g.h() * g.w();
                    int dst = c * plane + g.ph() * wp + g.pw();
                    for (int r = 0; r < g.h(); r++) System.arraycopy(x, src + r * g.w(), buf, dst + r * wp, g.w());
                }
                VectorGemm.serialRows(cout, ld, k, w, buf, rowOff, step, buf, image, ld);
                for (int co = 0; co < cout; co++) {
                    int out = (n * cout + co) * oh * ow;
                    for (int r = 0; r < oh; r++) System.arraycopy(buf, image + co * ld + r * wp, y, out + r * ow, ow);
                }
            }
        });
    }

    /**
     * {@code dx[n] = fold(wᵀ · dy[n])}. With stride 1 that is itself a convolution: of dy with the kernel flipped in
     * both axes and its channel axes swapped, padded by {@code dilation·(k−1) − padding}; it runs as {@link #forward},
     * one long product per image ({@code [C, cout·kh·kw]} by the unfolded dy) instead of a short-k product and a fold.
     * Its product has only C rows, so with few input channels (an image's 1 or 3) the kernel's tile would mostly
     * multiply padding: there the {@code [C·kh·kw, cout]} product and the fold do less work (measured on the CNN's
     * first layer, C = 1, batch 128: 3.2–5.0 ms against 6.7–8.8 flipped).
     */
    static void backwardData(float[] dy, float[] w, Window g, int cout, float[] dx) {
        int padH = g.dh() * (g.kh() - 1) - g.ph();
        int padW = g.dw() * (g.kw() - 1) - g.pw();
        int kk = g.kh() * g.kw();
        if (g.sh() == 1 && g.sw() == 1 && padH >= 0 && padW >= 0 && !fewRows(g.c())) {
            Window t = new Window(g.n(), cout, g.outH(), g.outW(), g.kh(), g.kw(), 1, 1, padH, padW, g.dh(), g.dw());
            forward(dy, 0, flipped(w, g, cout), t, g.c(), dx);
            return;
        }
        int k = g.patch();
        int p = g.positions();
        int plane = g.h() * g.w();
        int block = g.kh() * g.kw() * p;
        Parallel.forRange(g.n(), 1, (s, e) -> {
            float[] cols = scratch(k * p);
            for (int n = (int) s; n < e; n++) {
                VectorGemm.serial(VectorGemm.Plan.single(k, p, cout, w, 0, k, true, dy, n * cout * p, p, false,
                        0f, cols, 0, p, 1));
                for (int c = 0; c < g.c(); c++) {
                    CpuWindow.foldPlane(cols, c * block, g, dx, (n * g.c() + c) * plane);
                }
            }
        });
    }

    /**
     * Whether C input channels are too few rows for the flipped convolution's product: at least half its tile rows
     * padding. Comparing the padding of the two products instead sent most channel counts to the fold once the tile
     * grew from 4 rows to 6 (16 channels: 18 rows against 144 = 16·9), and the CNN's second layer, whose fold product
     * has k = 32, then took 8.0–8.6 ms against 3.8–5.1 flipped.
     */
    static boolean fewRows(int channels) {
        int padded = (channels + VectorGemm.MR - 1) / VectorGemm.MR * VectorGemm.MR;
        return padded >= 2 * channels;
    }

    /** {@code w[co][c][i][j]} as {@code [c][co][kh−1−i][kw−1−j]}. */
    private static float[] flipped(float[] w, Window g, int cout) {
        int kk = g.kh() * g.kw();
        float[] f = new float[cout * g.c() * kk];
        for (int co = 0; co < cout; co++) {
            for (int c = 0; c < g.c(); c++) {
                int src = (co * g.c() + c) * kk;
                int dst = (c * cout + co) * kk + kk - 1;
                for (int q = 0; q < kk; q++) f[dst - q] = w[src + q];
            }
        }
        return f;
    }

    /**
     * {@code dw = Σₙ dy[n] · unfold(x[n])ᵀ}, one product per image added to its group's partial sum (from zero, in
     * image order, so the bits do not depend on the thread count). With many unfolded rows (K) that is a GEMM, the
     * unfolded rows by dy transposed into a transposed partial sum ({@code [K, cout]}), so that the operand packed
     * across its rows is dy ({@code cout × positions}) and not the unfolded image (K × positions), which packing
     * had read a row per element: the CNN's second layer (K = 144, cout = 32) then took 1.89–1.95 ms against
     * 2.46–2.51 the other way round, the same products in the same order (and 4.4–5.3 ms as dot products, in an
     * earlier measurement). A GEMM pads K to whole slivers, so with few rows
     * (K = 9 for one input channel, 2× slower as a GEMM) each weight is a dot product over positions instead, both
     * operands read along their rows ({@link VectorGemm#dotAccumulate}).
     */
    static void backwardWeight(float[] x, int xOffset, float[] dy, Window g, int cout, float[] dw) {
        int k = g.patch();
        int p = g.positions();
        int size = cout * k;
        java.util.Arrays.fill(dw, 0, size, 0f);
        if (g.n() == 0) return;
        int groups = Math.min(GROUPS, g.n());
        int per = (g.n() + groups - 1) / groups;
        int lanes = VectorGemm.DOT_LANES;
        boolean gemm = 8 * ceilTo(k) <= 9L * k;
        float[] partial = new float[groups * size];
        Parallel.forRange(groups, 1, (s, e) -> {
            float[] cols = scratch(k * p);
            float[] acc = gemm ? null : new float[size * lanes];
            float[] tail = gemm ? null : new float[size];
            for (int gi = (int) s; gi < e; gi++) {
                int first = gi * per;
                if (!gemm) {
                    java.util.Arrays.fill(acc, 0f);
                    java.util.Arrays.fill(tail, 0f);
                }
                for (int n = first, end = Math.min(g.n(), first + per); n < end; n++) {
                    unfold(x, xOffset, g, n, cols, p);
                    if (gemm) {
                        VectorGemm.serial(VectorGemm.Plan.single(k, cout, p, cols, 0, p, false, dy, n * cout * p, p, true,
                                1f, partial, gi * size, cout, 1));
                    } else {
                        VectorGemm.dotAccumulate(cout, k, p, dy, n * cout * p, p, cols, 0, p, acc, tail);
                    }
                }
                if (gemm) continue;
                for (int i = 0, o = gi * size; i < size; i++) {
                    float t = 0;
                    for (int l = 0; l < lanes; l++) t += acc[i * lanes + l];
                    partial[o + i] = t + tail[i];
                }
            }
        });
        for (int gi = 0; gi < groups; gi++) {
            if (gemm) {
                for (int r = 0, o = gi * size; r < k; r++) {
                    for (int co = 0; co < cout; co++) dw[co * k + r] += partial[o + r * cout + co];
                }
                continue;
            }
            for (int i = 0, o = gi * size; i < size; i++) dw[i] += partial[o + i];
        }
    }
}

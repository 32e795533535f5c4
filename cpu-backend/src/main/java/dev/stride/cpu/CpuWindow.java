package dev.stride.cpu;

import dev.stride.backend.View;
import dev.stride.backend.Window;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Direct loops for the sliding-window ops, parallel over (image, channel) planes; twins of the composites. */
final class CpuWindow {
    private CpuWindow() {}

    /** Reads input (n, c, y, x) of a view, or {@code pad} outside the image. */
    private static float at(float[] src, View v, int n, int c, int y, int x, Window g, float pad) {
        if (y < 0 || y >= g.h() || x < 0 || x >= g.w()) return pad;
        long[] s = v.strides();
        return src[(int) (v.offset() + n * s[0] + c * s[1] + y * s[2] + x * s[3])];
    }

    private static boolean dense(View x) {
        return x.isContiguous();
    }

    static void im2col(View x, Window g, float pad, float[] cols) {
        float[] src = ((CpuStorage) x.storage()).f();
        if (dense(x)) {
            im2colDense(src, (int) x.offset(), g, pad, cols);
            return;
        }
        int oh = g.outH();
        int ow = g.outW();
        int k = g.kh() * g.kw();
        Parallel.forRange((long) g.n() * g.c(), 1, (s, e) -> {
            for (long nc = s; nc < e; nc++) {
                int n = (int) (nc / g.c());
                int c = (int) (nc % g.c());
                int base = (int) (nc * k * oh * ow);
                for (int i = 0; i < g.kh(); i++) {
                    for (int j = 0; j < g.kw(); j++) {
                        int o = base + (i * g.kw() + j) * oh * ow;
                        for (int y = 0; y < oh; y++) {
                            int iy = y * g.sh() - g.ph() + i * g.dh();
                            for (int xx = 0; xx < ow; xx++) {
                                cols[o++] = at(src, x, n, c, iy, xx * g.sw() - g.pw() + j * g.dw(), g, pad);
                            }
                        }
                    }
                }
            }
        });
    }

    /** Contiguous input: each kernel row is one bounds computation and a copy of its in-image span. */
    private static void im2colDense(float[] src, int offset, Window g, float pad, float[] cols) {
        int plane = g.h() * g.w();
        int block = g.kh() * g.kw() * g.positions();
        Parallel.forRange((long) g.n() * g.c(), 1, (s, e) -> {
            for (long nc = s; nc < e; nc++) unfoldPlane(src, offset + (int) nc * plane, g, pad, cols, (int) nc * block, g.positions());
        });
    }

    /**
     * The kh·kw unfolded rows of one contiguous input plane starting at {@code in}, written at {@code cols[base..]},
     * {@code ld} apart; the {@code ld − positions} floats after each row are left as they were.
     */
    static void unfoldPlane(float[] src, int in, Window g, float pad, float[] cols, int base, int ld) {
        int oh = g.outH();
        int ow = g.outW();
        if (g.sh() == 1 && g.sw() == 1 && ow == g.w()) {
            unfoldShifted(src, in, g, pad, cols, base, ld);
            return;
        }
        for (int i = 0; i < g.kh(); i++) {
            for (int j = 0; j < g.kw(); j++) {
                int o = base + (i * g.kw() + j) * ld;
                int shift = j * g.dw() - g.pw();
                int lo = Math.min(ow, Math.max(0, ceilDiv(-shift, g.sw())));
                int hi = Math.max(lo, Math.min(ow, ceilDiv(g.w() - shift, g.sw())));
                for (int y = 0; y < oh; y++, o += ow) {
                    int iy = y * g.sh() - g.ph() + i * g.dh();
                    if (iy < 0 || iy >= g.h()) {
                        java.util.Arrays.fill(cols, o, o + ow, pad);
                        continue;
                    }
                    int row = in + iy * g.w() + shift;
                    for (int xx = 0; xx < lo; xx++) cols[o + xx] = pad;
                    if (g.sw() == 1) {
                        System.arraycopy(src, row + lo, cols, o + lo, hi - lo);
                    } else {
                        for (int xx = lo; xx < hi; xx++) cols[o + xx] = src[row + xx * g.sw()];
                    }
                    for (int xx = hi; xx < ow; xx++) cols[o + xx] = pad;
                }
            }
        }
    }

    /**
     * Stride 1 and an output as wide as the input ("same" padding): each unfolded row is the whole plane shifted by
     * one flat offset, so it is one copy, then padding written over the rows and columns that fell outside. Image
     * rows are short (14 or 28), and a copy per row cost more than its elements.
     */
    private static void unfoldShifted(float[] src, int in, Window g, float pad, float[] cols, int base, int ld) {
        int oh = g.outH();
        int w = g.w();
        int plane = g.h() * w;
        for (int i = 0; i < g.kh(); i++) {
            int dy = i * g.dh() - g.ph();
            int y0 = Math.min(oh, Math.max(0, -dy));
            int y1 = Math.max(y0, Math.min(oh, g.h() - dy));
            for (int j = 0; j < g.kw(); j++) {
                int o = base + (i * g.kw() + j) * ld;
                int dx = j * g.dw() - g.pw();
                int x0 = Math.min(w, Math.max(0, -dx));
                int x1 = Math.max(x0, Math.min(w, w - dx));
                java.util.Arrays.fill(cols, o, o + y0 * w, pad);
                java.util.Arrays.fill(cols, o + y1 * w, o + oh * w, pad);
                if (y1 == y0) continue;
                // Flat positions [y0·w, y1·w) read src[in + position + shift]; the ends that would leave the plane
                // are padding columns, overwritten below.
                int shift = dy * w + dx;
                int from = Math.max(y0 * w, -shift);
                int to = Math.min(y1 * w, plane - shift);
                if (to > from) System.arraycopy(src, in + from + shift, cols, o + from, to - from);
                for (int y = y0; y < y1; y++) {
                    int r = o + y * w;
                    for (int x = 0; x < x0; x++) cols[r + x] = pad;
                    for (int x = x1; x < w; x++) cols[r + x] = pad;
                }
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    /** Each kernel offset adds one in-image span per output row, bounded once as in im2col, never per element. */
    static void col2im(float[] cols, Window g, float[] dx) {
        int plane = g.h() * g.w();
        int block = g.kh() * g.kw() * g.positions();
        Parallel.forRange((long) g.n() * g.c(), 1, (s, e) -> {
            for (long nc = s; nc < e; nc++) foldPlane(cols, (int) nc * block, g, dx, (int) nc * plane);
        });
    }

    /** Overwrites the plane at {@code dx[out..]} with the sum of the kh·kw unfolded rows at {@code cols[base..]}. */
    static void foldPlane(float[] cols, int base, Window g, float[] dx, int out) {
        int oh = g.outH();
        int ow = g.outW();
        java.util.Arrays.fill(dx, out, out + g.h() * g.w(), 0f);
        for (int i = 0; i < g.kh(); i++) {
            for (int j = 0; j < g.kw(); j++) {
                int o = base + (i * g.kw() + j) * oh * ow;
                int shift = j * g.dw() - g.pw();
                int lo = Math.min(ow, Math.max(0, ceilDiv(-shift, g.sw())));
                int hi = Math.max(lo, Math.min(ow, ceilDiv(g.w() - shift, g.sw())));
                for (int y = 0; y < oh; y++, o += ow) {
                    int iy = y * g.sh() - g.ph() + i * g.dh();
                    if (iy < 0 || iy >= g.h()) continue;
                    int row = out + iy * g.w() + shift;
                    if (g.sw() == 1) {
                        for (int xx = lo; xx < hi; xx++) dx[row + xx] += cols[o + xx];
                    } else {
                        for (int xx = lo; xx < hi; xx++) dx[row + xx * g.sw()] += cols[o + xx];
                    }
                }
            }
        }
    }

    static void maxPool(View x, Window g, float[] out, int[] indices) {
        float[] src = ((CpuStorage) x.storage()).f();
        if (dense(x) && g.ph() == 0 && g.pw() == 0 && g.dh() == 1 && g.dw() == 1) {
            maxPoolDense(src, (int) x.offset(), g, out, indices);
            return;
        }
        int oh = g.outH();
        int ow = g.outW();
        Parallel.forRange((long) g.n() * g.c(), 1, (s, e) -> {
            for (long nc = s; nc < e; nc++) {
                int n = (int) (nc / g.c());
                int c = (int) (nc % g.c());
                int o = (int) (nc * oh * ow);
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++, o++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int arg = 0;
                        boolean nan = false;
                        for (int i = 0; i < g.kh() && !nan; i++) {
                            for (int j = 0; j < g.kw(); j++) {
                                float v = at(src, x, n, c, y * g.sh() - g.ph() + i * g.dh(), xx * g.sw() - g.pw() + j * g.dw(),
                                        g, Float.NEGATIVE_INFINITY);
                                if (v > best || v != v) {
                                    best = v;
                                    arg = i * g.kw() + j;
                                    if (v != v) {
                                        nan = true;
                                        break;
                                    }
                                }
                            }
                        }
                        out[o] = best;
                        indices[o] = arg;
                    }
                }
            }
        });
    }

    /** Contiguous input, no padding or dilation: every window lies inside the image. */
    private static void maxPoolDense(float[] src, int offset, Window g, float[] out, int[] indices) {
        int oh = g.outH();
        int ow = g.outW();
        int w = g.w();
        int plane = g.h() * w;
        boolean twoByTwo = twoByTwo(g);
        boolean spill = twoByTwo && spills(g);
        Parallel.forRange((long) g.n() * g.c(), 1, (s, e) -> {
            for (long nc = s; nc < e; nc++) {
                int in = offset + (int) nc * plane;
                int o = (int) (nc * oh * ow);
                for (int y = 0; y < oh; y++, o += ow) {
                    int top = in + 2 * y * w;
                    // A row with a NaN is done again by the general loop, which stops at the first NaN.
                    if (!twoByTwo || pool2x2Row(src, top, w, out, indices, o, ow, spill && y < oh - 1)) {
                        windowRow(src, in + y * g.sh() * w, w, g, out, indices, o, ow);
                    }
                }
            }
        });
    }

    /**
     * One output row of 2×2, stride-2 windows, with selects and no branch (a random ReLU output mispredicts half of
     * them); ties go to the first in scan order. Returns whether any window may have held a NaN: a NaN input makes
     * its maximum NaN and so the row's sum (as do +∞ and −∞ maxima together, which only costs a redo). Four NaN tests
     * per window compiled to eight branches; without them a window took 4.0–4.1 ns against 4.8.
     */
    private static boolean pool2x2Row(float[] src, int top, int w, float[] out, int[] indices, int o, int ow, boolean spill) {
        float sum = 0;
        int x = 0;
        if (CpuGemm.VECTOR && (ow >= L || spill)) {
            sum = pool2x2Lanes(src, top, w, out, indices, o, Math.max(ow, L));
            x = ow;
        }
        for (; x < ow; x++) {
            int c = top + 2 * x;
            float a = src[c];
            float b = src[c + 1];
            float d = src[c + w];
            float f = src[c + w + 1];
            float up = Math.max(a, b);
            float down = Math.max(d, f);
            int upArg = b > a ? 1 : 0;
            int downArg = f > d ? 3 : 2;
            float max = Math.max(up, down);
            sum += max;
            out[o + x] = max;
            indices[o + x] = down > up ? downArg : upArg;
        }
        return sum != sum;
    }

    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final VectorSpecies<Integer> I = Simd.INT;
    static final int L = F.length();
    /** Lane l takes element 2l (2l + 1 for ODD_COLUMNS), wrapped: blended over {@link #UPPER}, two vectors' even columns. */
    private static final VectorShuffle<Float> EVEN_COLUMNS = VectorShuffle.fromOp(F, l -> 2 * l % L);
    private static final VectorShuffle<Float> ODD_COLUMNS = VectorShuffle.fromOp(F, l -> (2 * l + 1) % L);
    /** Lane l takes element l/2 (the first half's) or L/2 + l/2 (the second half's). */
    private static final VectorShuffle<Float> TWICE_LO = VectorShuffle.fromOp(F, l -> l / 2);
    private static final VectorShuffle<Float> TWICE_HI = VectorShuffle.fromOp(F, l -> L / 2 + l / 2);
    private static final VectorMask<Float> UPPER = VectorMask.fromLong(F, -1L << (L / 2));
    private static final VectorMask<Float> ODD = VectorMask.fromLong(F, 0xAAAAAAAAAAAAAAAAL);

    /** 2×2 windows at stride 2, without padding or dilation: the case with its own loops, scalar and vector. */
    private static boolean twoByTwo(Window g) {
        return g.kh() == 2 && g.kw() == 2 && g.sh() == 2 && g.sw() == 2 && g.ph() == 0 && g.pw() == 0 && g.dh() == 1
                && g.dw() == 1;
    }

    /**
     * Whether a row of 2×2, stride-2 windows narrower than a vector (the CNN's second pooling: 7 windows a row) runs
     * as one vector anyway, L windows from its start: those past its end read the next input rows and write the next
     * output row's first outputs (in the backward, the next row pair's first elements), which that row then
     * overwrites, so every row but a plane's last may. Only without a column outside the windows (w = 2·outW), and
     * with at least half a vector of windows, so that both stay inside the plane.
     */
    static boolean spills(Window g) {
        return g.outW() < L && 2 * g.outW() >= L && g.w() == 2 * g.outW();
    }

    /**
     * {@link #pool2x2Row}'s {@code count} (at least L) windows, L at a time, the last L ending at the row's end (they
     * may overlap the ones before, and write the same values): the row pair's even and odd columns gathered into
     * lanes, then the same maxima and comparisons as the scalar loop. Returns the maxima's sum.
     */
    private static float pool2x2Lanes(float[] src, int top, int w, float[] out, int[] indices, int o, int count) {
        FloatVector sum = FloatVector.zero(F);
        IntVector one = IntVector.broadcast(I, 1);
        IntVector two = IntVector.broadcast(I, 2);
        for (int next = 0; next < count; next += L) {
            int x = Math.min(next, count - L);
            int c = top + 2 * x;
            FloatVector t0 = FloatVector.fromArray(F, src, c);
            FloatVector t1 = FloatVector.fromArray(F, src, c + L);
            FloatVector b0 = FloatVector.fromArray(F, src, c + w);
            FloatVector b1 = FloatVector.fromArray(F, src, c + w + L);
            FloatVector a = t0.rearrange(EVEN_COLUMNS).blend(t1.rearrange(EVEN_COLUMNS), UPPER);
            FloatVector b = t0.rearrange(ODD_COLUMNS).blend(t1.rearrange(ODD_COLUMNS), UPPER);
            FloatVector d = b0.rearrange(EVEN_COLUMNS).blend(b1.rearrange(EVEN_COLUMNS), UPPER);
            FloatVector f = b0.rearrange(ODD_COLUMNS).blend(b1.rearrange(ODD_COLUMNS), UPPER);
            FloatVector up = a.max(b);
            FloatVector down = d.max(f);
            IntVector upArg = IntVector.zero(I).blend(one, b.compare(VectorOperators.GT, a).cast(I));
            IntVector downArg = two.blend(3, f.compare(VectorOperators.GT, d).cast(I));
            FloatVector max = up.max(down);
            sum = sum.add(max);
            max.intoArray(out, o + x);
            upArg.blend(downArg, down.compare(VectorOperators.GT, up).cast(I)).intoArray(indices, o + x);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Plane rows of a 2×2, stride-2 pooling's input gradient for the {@code count} (at least L) windows of output row
     * {@code o}, grouped as {@link #pool2x2Lanes} groups them: each window's four elements get {@code 0 + dy} where
     * its index points and 0 elsewhere, the values {@link #maxPoolBackward}'s zeros and sums give, written without a
     * scatter.
     */
    private static void unpool2x2Lanes(float[] dy, int[] indices, int o, int count, float[] dx, int top, int w) {
        FloatVector zero = FloatVector.zero(F);
        for (int next = 0; next < count; next += L) {
            int x = Math.min(next, count - L);
            FloatVector g = FloatVector.fromArray(F, dy, o + x).add(zero);
            IntVector k = IntVector.fromArray(I, indices, o + x);
            FloatVector e0 = zero.blend(g, k.compare(VectorOperators.EQ, 0).cast(F));
            FloatVector e1 = zero.blend(g, k.compare(VectorOperators.EQ, 1).cast(F));
            FloatVector e2 = zero.blend(g, k.compare(VectorOperators.EQ, 2).cast(F));
            FloatVector e3 = zero.blend(g, k.compare(VectorOperators.EQ, 3).cast(F));
            int c = top + 2 * x;
            e0.rearrange(TWICE_LO).blend(e1.rearrange(TWICE_LO), ODD).intoArray(dx, c);
            e0.rearrange(TWICE_HI).blend(e1.rearrange(TWICE_HI), ODD).intoArray(dx, c + L);
            e2.rearrange(TWICE_LO).blend(e3.rearrange(TWICE_LO), ODD).intoArray(dx, c + w);
            e2.rearrange(TWICE_HI).blend(e3.rearrange(TWICE_HI), ODD).intoArray(dx, c + w + L);
        }
    }

    /** One output row, any window inside the image: the first maximum, or the first NaN. */
    private static void windowRow(float[] src, int rowStart, int w, Window g, float[] out, int[] indices, int o, int ow) {
        for (int xx = 0; xx < ow; xx++) {
            int corner = rowStart + xx * g.sw();
            float best = src[corner];
            int arg = 0;
            for (int i = 0; i < g.kh() && best == best; i++) {
                int row = corner + i * w;
                for (int j = 0; j < g.kw(); j++) {
                    float v = src[row + j];
                    if (v > best || v != v) {
                        best = v;
                        arg = i * g.kw() + j;
                        if (v != v) break;
                    }
                }
            }
            out[o + xx] = best;
            indices[o + xx] = arg;
        }
    }

    static void maxPoolBackward(float[] dy, int[] indices, Window g, float[] dx) {
        int oh = g.outH();
        int ow = g.outW();
        int plane = g.h() * g.w();
        int[] offsets = new int[g.kh() * g.kw()];
        for (int i = 0; i < g.kh(); i++) {
            for (int j = 0; j < g.kw(); j++) offsets[i * g.kw() + j] = i * g.dh() * g.w() + j * g.dw();
        }
        boolean inside = g.ph() == 0 && g.pw() == 0;
        boolean vector = twoByTwo(g) && CpuGemm.VECTOR;
        boolean spill = vector && spills(g);
        Parallel.forRange((long) g.n() * g.c(), 1, (s, e) -> {
            for (long nc = s; nc < e; nc++) {
                int out = (int) (nc * plane);
                java.util.Arrays.fill(dx, out, out + plane, 0f);
                int o = (int) (nc * oh * ow);
                for (int y = 0; y < oh; y++) {
                    int iy0 = y * g.sh() - g.ph();
                    int row = out + iy0 * g.w() - g.pw();
                    int lanes = 0;
                    if (vector && (ow >= L || spill && y < oh - 1)) {
                        unpool2x2Lanes(dy, indices, o, Math.max(ow, L), dx, row, g.w());
                        lanes = ow;
                    } else if (spill && y > 0) {
                        // The row before spilled into this row pair's first elements, which sums must start from zero.
                        java.util.Arrays.fill(dx, row, row + 2 * L - g.w(), 0f);
                    }
                    o += lanes;
                    for (int xx = lanes; xx < ow; xx++, o++) {
                        int k = indices[o];
                        if (inside) {
                            dx[row + xx * g.sw() + offsets[k]] += dy[o];
                            continue;
                        }
                        int iy = iy0 + k / g.kw() * g.dh();
                        int ix = xx * g.sw() - g.pw() + k % g.kw() * g.dw();
                        if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) dx[out + iy * g.w() + ix] += dy[o];
                    }
                }
            }
        });
    }
}

package dev.stride.cpu;

import dev.stride.backend.ReduceOp;
import dev.stride.backend.View;
import dev.stride.tensor.Shape;
import java.util.Arrays;

/**
 * Reductions. The view is split into kept and reduced dimensions; each output element folds its reduced
 * elements in row-major order, in double for sums. Reducing leading rows of a contiguous matrix (a bias
 * gradient) takes a row-accumulating path instead, which reads memory in order.
 */
final class CpuReduce {
    private CpuReduce() {}

    static void reduce(ReduceOp op, View x, int[] axes, CpuStorage out) {
        float[] src = ((CpuStorage) x.storage()).f();
        View[] split = x.splitAxes(axes);
        int[] keptShape = split[0].shape();
        long[] keptStrides = split[0].strides();
        // Reduced axes that are one run in memory fold as one: a whole-tensor sum of a 256×784 weight otherwise found
        // each element's offset by division (5 ns an element; the update monitor sums every parameter).
        Axes all = new Axes(split[1].shape(), split[1].strides());
        Axes red = op == ReduceOp.ARGMAX ? all : all.merged();
        int[] rShape = red.shape();
        long[] rStrides = red.strides();
        long outN = Shape.numel(keptShape);
        long redN = Shape.numel(rShape);
        float[] outF = out.f();
        if (op == ReduceOp.SUM && columnSum(src, x, keptShape, keptStrides, rShape, rStrides, outF)) return;
        Parallel.forRange(outN, Math.max(1, CpuElementwise.GRAIN / Math.max(redN, 1)), (s, e) -> {
            for (long o = s; o < e; o++) {
                long base = x.offset() + offsetOf(o, keptShape, keptStrides);
                if (op == ReduceOp.ARGMAX) {
                    out.i[(int) o] = argmax(src, base, rShape, rStrides, redN);
                } else {
                    outF[(int) o] = fold(op, src, base, rShape, rStrides, redN);
                }
            }
        });
    }

    /** Axes as sizes and strides. */
    record Axes(int[] shape, long[] strides) {
        /**
         * Size-1 axes dropped and each axis joined to the next where it steps over exactly that axis: the same
         * elements in the same row-major order, so a sum folds the same values in the same order.
         */
        Axes merged() {
            int[] sh = new int[shape.length];
            long[] st = new long[shape.length];
            int n = 0;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] == 1) continue;
                if (n > 0 && st[n - 1] == strides[d] * shape[d]) {
                    sh[n - 1] *= shape[d];
                    st[n - 1] = strides[d];
                } else {
                    sh[n] = shape[d];
                    st[n++] = strides[d];
                }
            }
            return new Axes(Arrays.copyOf(sh, n), Arrays.copyOf(st, n));
        }
    }

    private static long offsetOf(long linear, int[] shape, long[] strides) {
        long off = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            off += (linear % shape[d]) * strides[d];
            linear /= shape[d];
        }
        return off;
    }

    private static float fold(ReduceOp op, float[] src, long base, int[] shape, long[] strides, long n) {
        boolean single = shape.length == 1;
        int step = single ? (int) strides[0] : 0;
        switch (op) {
            case SUM -> {
                double acc = 0;
                for (long r = 0; r < n; r++) acc += src[(int) (base + (single ? r * step : offsetOf(r, shape, strides)))];
                return (float) acc;
            }
            case MAX, MIN -> {
                boolean max = op == ReduceOp.MAX;
                float acc = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                for (long r = 0; r < n; r++) {
                    float v = src[(int) (base + (single ? r * step : offsetOf(r, shape, strides)))];
                    if (v != v) return Float.NaN;
                    acc = max ? Math.max(acc, v) : Math.min(acc, v);
                }
                return acc;
            }
            default -> throw new IllegalArgumentException("reduce: unsupported op " + op);
        }
    }

    private static int argmax(float[] src, long base, int[] shape, long[] strides, long n) {
        if (shape.length != 1) throw new IllegalArgumentException("argmax: reduces exactly one axis, got " + Arrays.toString(shape));
        int best = 0;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int r = 0; r < n; r++) {
            float v = src[(int) (base + r * strides[0])];
            if (v != v) return r;
            if (v > bestV || r == 0) {
                bestV = v;
                best = r;
            }
        }
        return best;
    }

    /** Sum over leading rows when the kept part is one unit-stride run: accumulate whole rows in order. */
    private static boolean columnSum(float[] src, View x, int[] keptShape, long[] keptStrides,
                                     int[] redShape, long[] redStrides, float[] out) {
        if (keptShape.length != 1 || keptStrides[0] != 1 || redShape.length != 1) return false;
        int cols = keptShape[0];
        int rows = redShape[0];
        long rowStride = redStrides[0];
        if (rowStride < cols) return false;
        Parallel.forRange(cols, Math.max(64, CpuElementwise.GRAIN / Math.max(rows, 1)), (s, e) -> {
            int c0 = (int) s;
            int n = (int) (e - s);
            double[] acc = new double[n];
            for (int r = 0; r < rows; r++) {
                int base = (int) (x.offset() + r * rowStride) + c0;
                for (int c = 0; c < n; c++) acc[c] += src[base + c];
            }
            for (int c = 0; c < n; c++) out[c0 + c] = (float) acc[c];
        });
        return true;
    }
}

package dev.stride.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch normalization loops over contiguous {@code [N, C, S]}; statistics in double. Both passes run sample by sample,
 * each sample's channels one after another, as they lie in memory: a channel's rows are a whole sample apart, and
 * reading them channel by channel made each short row a cache miss (the CNN's layers, forward and backward with
 * ReLU: 1.5–1.8× slower). The statistics are summed per block of samples, the blocks fixed by {@code n} alone and
 * added in order, so the bits do not depend on the thread count.
 */
final class CpuNorm {
    private CpuNorm() {}

    /** Blocks of samples whose statistics are summed apart: enough chunks for the cores, few partial sums to add. */
    private static final int BLOCKS = 16;

    /** With {@code relu}, {@code out} is ReLU of the normalized values, as {@code Math.max(v, 0f)} gives it. */
    static void forward(float[] x, int n, int c, int s, float[] gamma, float[] beta, float[] rMean, float[] rVar,
                        boolean training, float momentum, float eps, boolean relu, float[] out, float[] saveMean, float[] saveInv) {
        long m = (long) n * s;
        float[] scale = new float[c];
        if (training) {
            // Sums about a shift (the channel's first element) keep E[d²] − E[d]² accurate in one pass.
            float[] shifts = new float[c];
            for (int ch = 0; ch < c; ch++) shifts[ch] = x[ch * s];
            double[] sums = blockSums(n, c, (ch, row, pair) -> moments(x, row * s, s, shifts[ch], pair));
            for (int ch = 0; ch < c; ch++) {
                double meanShifted = sums[2 * ch] / m;
                double sq = sums[2 * ch + 1] - m * meanShifted * meanShifted;
                double var = Math.max(sq, 0) / m;
                saveMean[ch] = (float) (shifts[ch] + meanShifted);
                saveInv[ch] = (float) (1 / Math.sqrt(var + eps));
                rMean[ch] = (1 - momentum) * rMean[ch] + momentum * saveMean[ch];
                rVar[ch] = (1 - momentum) * rVar[ch] + momentum * (float) (var * m / Math.max(m - 1, 1));
            }
        } else {
            for (int ch = 0; ch < c; ch++) {
                saveMean[ch] = rMean[ch];
                saveInv[ch] = (float) (1 / Math.sqrt(rVar[ch] + eps));
            }
        }
        for (int ch = 0; ch < c; ch++) scale[ch] = gamma[ch] * saveInv[ch];
        eachRow(n, c, s, (ch, off) -> {
            float mean = saveMean[ch];
            // (x − mean)·scale + beta, not x·scale + (beta − mean·scale): at a mean of 4096 the product x·scale
            // is near 7e5, and its rounding would swamp the normalized value.
            float sc = scale[ch];
            float shift = beta[ch];
            int k = 0;
            if (CpuGemm.VECTOR) {
                FloatVector mu = FloatVector.broadcast(V, mean);
                FloatVector scv = FloatVector.broadcast(V, sc);
                FloatVector sh = FloatVector.broadcast(V, shift);
                for (int end = V.loopBound(s); k < end; k += V.length()) {
                    FloatVector v = FloatVector.fromArray(V, x, off + k).sub(mu).fma(scv, sh);
                    (relu ? v.max(0f) : v).intoArray(out, off + k);
                }
            }
            for (; k < s; k++) {
                float v = Math.fma(x[off + k] - mean, sc, shift);
                out[off + k] = relu ? Math.max(v, 0f) : v;
            }
        });
    }

    /**
     * With {@code beta} (a {@code relu} forward's) the incoming gradient is {@code dy · STEP(v)}, ReLU's, where
     * {@code v} is the normalized value before the ReLU, recomputed from {@code x} exactly as the forward pass computed
     * it: the same products as {@link CpuBackend#reluBackward} on the forward's output, without reading that output.
     */
    static void backward(float[] x, float[] dy, float[] beta, int n, int c, int s, float[] gamma, float[] saveMean,
                         float[] saveInv, boolean training, float[] dx, float[] dgamma, float[] dbeta) {
        long m = (long) n * s;
        boolean relu = beta != null;
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int ch = 0; ch < c; ch++) {
            scale[ch] = gamma[ch] * saveInv[ch];
            shift[ch] = relu ? beta[ch] : 0f;
        }
        double[] sums = blockSums(n, c, (ch, row, pair) ->
                gradientSums(dy, x, row * s, s, saveMean[ch], relu, scale[ch], shift[ch], pair));
        float[] meanDy = new float[c];
        float[] xhatCoef = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double sumDyXhat = sums[2 * ch + 1] * saveInv[ch];
            dbeta[ch] = (float) sums[2 * ch];
            dgamma[ch] = (float) sumDyXhat;
            meanDy[ch] = training ? (float) (sums[2 * ch] / m) : 0f;
            xhatCoef[ch] = training ? saveInv[ch] * (float) (sumDyXhat / m) : 0f;
        }
        eachRow(n, c, s, (ch, off) -> {
            float mean = saveMean[ch];
            float sc = scale[ch];
            int k = 0;
            if (CpuGemm.VECTOR) {
                FloatVector mu = FloatVector.broadcast(V, mean);
                FloatVector mdy = FloatVector.broadcast(V, meanDy[ch]);
                FloatVector coef = FloatVector.broadcast(V, -xhatCoef[ch]);
                FloatVector scv = FloatVector.broadcast(V, sc);
                FloatVector sh = FloatVector.broadcast(V, shift[ch]);
                for (int end = V.loopBound(s); k < end; k += V.length()) {
                    FloatVector d = FloatVector.fromArray(V, x, off + k).sub(mu);
                    FloatVector g = gradLanes(dy, off + k, d, relu, scv, sh);
                    (training ? d.fma(coef, g.sub(mdy)) : g).mul(scv).intoArray(dx, off + k);
                }
            }
            for (; k < s; k++) {
                float d = x[off + k] - mean;
                float g = grad(dy, off + k, d, relu, sc, shift[ch]);
                dx[off + k] = (training ? Math.fma(d, -xhatCoef[ch], g - meanDy[ch]) : g) * sc;
            }
        });
    }

    /** One row's pair of sums into {@code pair}: channel {@code ch}, row {@code row} of the flat [N·C, S] data. */
    @FunctionalInterface
    private interface RowSums {
        void sum(int ch, int row, float[] pair);
    }

    /**
     * Each channel's two sums over all its rows: {@code out[2·ch]} and {@code out[2·ch + 1]}. Rows are summed per
     * block of samples in parallel and the blocks' totals added in block order.
     */
    private static double[] blockSums(int n, int c, RowSums rows) {
        int blocks = Math.min(n, BLOCKS);
        double[] part = new double[blocks * c * 2];
        Parallel.forRange(blocks, 1, (a, b) -> {
            float[] pair = new float[2];
            for (int bl = (int) a; bl < b; bl++) {
                for (int i = (int) ((long) n * bl / blocks); i < (long) n * (bl + 1) / blocks; i++) {
                    for (int ch = 0; ch < c; ch++) {
                        rows.sum(ch, i * c + ch, pair);
                        part[(bl * c + ch) * 2] += pair[0];
                        part[(bl * c + ch) * 2 + 1] += pair[1];
                    }
                }
            }
        });
        double[] out = new double[2 * c];
        for (int bl = 0; bl < blocks; bl++) {
            for (int j = 0; j < 2 * c; j++) out[j] += part[bl * c * 2 + j];
        }
        return out;
    }

    /** Row {@code off / s} of the flat {@code [N·C, S]} data, which belongs to channel {@code ch}. */
    @FunctionalInterface
    private interface RowBody {
        void row(int ch, int off);
    }

    /** Every row once, samples in parallel (at least 16K elements a chunk), each sample's channels in order. */
    private static void eachRow(int n, int c, int s, RowBody body) {
        Parallel.forRange(n, Math.max(1, (1L << 14) / Math.max(1L * c * s, 1)), (a, b) -> {
            for (int row = (int) a * c; row < b * c; row++) body.row(row % c, row * s);
        });
    }

    // Row sums in float: two vector accumulators when the Vector API is on (their lanes added in a fixed order, so every
    // JIT tier gives the same bits), else scalar pairs; a row is at most a few thousand elements, and its sums go into
    // the channel's double total in the callers. One pass reads each element once for both sums.

    private static final VectorSpecies<Float> V = Simd.FLOAT;

    /** Σ(x − shift) and Σ(x − shift)² over one row, into {@code out[0]} and {@code out[1]}. */
    private static void moments(float[] x, int off, int len, float shift, float[] out) {
        float s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        int k = 0;
        if (CpuGemm.VECTOR) {
            FloatVector sh = FloatVector.broadcast(V, shift);
            FloatVector sa = FloatVector.zero(V), sb = sa, qa = sa, qb = sa;
            for (int end = len - 2 * V.length(); k <= end; k += 2 * V.length()) {
                FloatVector da = FloatVector.fromArray(V, x, off + k).sub(sh);
                FloatVector db = FloatVector.fromArray(V, x, off + k + V.length()).sub(sh);
                sa = sa.add(da);
                sb = sb.add(db);
                qa = da.fma(da, qa);
                qb = db.fma(db, qb);
            }
            s0 = lanes(sa.add(sb));
            q0 = lanes(qa.add(qb));
        }
        for (; k + 2 <= len; k += 2) {
            float d0 = x[off + k] - shift;
            float d1 = x[off + k + 1] - shift;
            s0 += d0;
            s1 += d1;
            q0 += d0 * d0;
            q1 += d1 * d1;
        }
        for (; k < len; k++) {
            float d = x[off + k] - shift;
            s0 += d;
            q0 += d * d;
        }
        out[0] = s0 + s1;
        out[1] = q0 + q1;
    }

    /** The incoming gradient at {@code i}: {@code dy}, or with {@code relu} ReLU's {@code dy · STEP(fma(d, scale, shift))}. */
    private static float grad(float[] dy, int i, float d, boolean relu, float scale, float shift) {
        return relu ? dy[i] * CpuElementwise.step(Math.fma(d, scale, shift)) : dy[i];
    }

    private static FloatVector gradLanes(float[] dy, int i, FloatVector d, boolean relu, FloatVector scale, FloatVector shift) {
        FloatVector g = FloatVector.fromArray(V, dy, i);
        if (!relu) return g;
        FloatVector zero = FloatVector.zero(V);
        return g.mul(zero.blend(1f, d.fma(scale, shift).compare(VectorOperators.GT, zero)));
    }

    /** Σ g and Σ g·(x − mean) over one row of the incoming gradient g ({@link #grad}), into {@code out[0]} and {@code out[1]}. */
    private static void gradientSums(float[] dy, float[] x, int off, int len, float mean, boolean relu, float scale, float shift,
                                     float[] out) {
        float s0 = 0, s1 = 0, d0 = 0, d1 = 0;
        int k = 0;
        if (CpuGemm.VECTOR) {
            FloatVector mu = FloatVector.broadcast(V, mean);
            FloatVector sc = FloatVector.broadcast(V, scale);
            FloatVector sh = FloatVector.broadcast(V, shift);
            FloatVector sa = FloatVector.zero(V), sb = sa, da = sa, db = sa;
            for (int end = len - 2 * V.length(); k <= end; k += 2 * V.length()) {
                FloatVector xa = FloatVector.fromArray(V, x, off + k).sub(mu);
                FloatVector xb = FloatVector.fromArray(V, x, off + k + V.length()).sub(mu);
                FloatVector ga = gradLanes(dy, off + k, xa, relu, sc, sh);
                FloatVector gb = gradLanes(dy, off + k + V.length(), xb, relu, sc, sh);
                sa = sa.add(ga);
                sb = sb.add(gb);
                da = ga.fma(xa, da);
                db = gb.fma(xb, db);
            }
            s0 = lanes(sa.add(sb));
            d0 = lanes(da.add(db));
        }
        for (; k + 2 <= len; k += 2) {
            float x0 = x[off + k] - mean;
            float x1 = x[off + k + 1] - mean;
            float g0 = grad(dy, off + k, x0, relu, scale, shift);
            float g1 = grad(dy, off + k + 1, x1, relu, scale, shift);
            s0 += g0;
            s1 += g1;
            d0 += g0 * x0;
            d1 += g1 * x1;
        }
        for (; k < len; k++) {
            float x0 = x[off + k] - mean;
            float g = grad(dy, off + k, x0, relu, scale, shift);
            s0 += g;
            d0 += g * x0;
        }
        out[0] = s0 + s1;
        out[1] = d0 + d1;
    }

    /** The lanes' sum, first to last. */
    private static float lanes(FloatVector v) {
        float sum = 0;
        for (float l : v.toArray()) sum += l;
        return sum;
    }
}

package dev.stride.cpu;



/** Batch normalization loops over contiguous {@code [N, C, S]}, parallel over channels; statistics in double. */
final class CpuNorm {
    private CpuNorm() {}

    static void forward(float[] x, int n, int c, int s, float[] gamma, float[] beta, float[] rMean, float[] rVar,
                        boolean training, float momentum, float eps, float[] out, float[] saveMean, float[] saveInv) {
        long m = (long) n * s;
        Parallel.forRange(c, 1, (a, b) -> {
            for (int ch = (int) a; ch < b; ch++) {
                float mean;
                float inv;
                if (training) {
                    // One pass over the channel: sums about a shift (its first element) keep E[d²] − E[d]² accurate.
                    float shiftValue = x[ch * s];
                    double sum = 0;
                    double sq = 0;
                    float[] pair = new float[2];
                    for (int i = 0; i < n; i++) {
                        moments(x, (i * c + ch) * s, s, shiftValue, pair);
                        sum += pair[0];
                        sq += pair[1];
                    }
                    double meanShifted = sum / m;
                    double mu = shiftValue + meanShifted;
                    sq -= m * meanShifted * meanShifted;
                    double var = Math.max(sq, 0) / m;
                    mean = (float) mu;
                    inv = (float) (1 / Math.sqrt(var + eps));
                    rMean[ch] = (1 - momentum) * rMean[ch] + momentum * mean;
                    rVar[ch] = (1 - momentum) * rVar[ch] + momentum * (float) (var * m / Math.max(m - 1, 1));
                } else {
                    mean = rMean[ch];
                    inv = (float) (1 / Math.sqrt(rVar[ch] + eps));
                }
                saveMean[ch] = mean;
                saveInv[ch] = inv;
                // (x − mean)·scale + beta, not x·scale + (beta − mean·scale): at a mean of 4096 the product x·scale is
                // near 7e5, and its rounding would swamp the normalized value.
                float scale = gamma[ch] * inv;
                float shift = beta[ch];
                for (int i = 0; i < n; i++) {
                    int off = (i * c + ch) * s;
                    for (int k = 0; k < s; k++) out[off + k] = (x[off + k] - mean) * scale + shift;
                }
            }
        });
    }

    static void backward(float[] x, float[] dy, int n, int c, int s, float[] gamma, float[] saveMean, float[] saveInv,
                         boolean training, float[] dx, float[] dgamma, float[] dbeta) {
        long m = (long) n * s;
        Parallel.forRange(c, 1, (a, b) -> {
            for (int ch = (int) a; ch < b; ch++) {
                float mean = saveMean[ch];
                float inv = saveInv[ch];
                double sumDy = 0;
                double sumDyX = 0;
                float[] pair = new float[2];
                for (int i = 0; i < n; i++) {
                    gradientSums(dy, x, (i * c + ch) * s, s, mean, pair);
                    sumDy += pair[0];
                    sumDyX += pair[1];
                }
                double sumDyXhat = sumDyX * inv;
                dbeta[ch] = (float) sumDy;
                dgamma[ch] = (float) sumDyXhat;
                float scale = gamma[ch] * inv;
                float meanDy = (float) (sumDy / m);
                float meanDyXhat = (float) (sumDyXhat / m);
                for (int i = 0; i < n; i++) {
                    int off = (i * c + ch) * s;
                    for (int k = 0; k < s; k++) {
                        float g = dy[off + k];
                        if (training) g = g - meanDy - (x[off + k] - mean) * inv * meanDyXhat;
                        dx[off + k] = g * scale;
                    }
                }
            }
        });
    }

    // Row sums in float with independent accumulators (the adds overlap instead of waiting on each other; a row is at
    // most a few thousand elements), added into the channel's double total by the callers. One pass reads each
    // element once for both sums.

    /** Σ(x − shift) and Σ(x − shift)² over one row, into {@code out[0]} and {@code out[1]}. */
    private static void moments(float[] x, int off, int len, float shift, float[] out) {
        float s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        int k = 0;
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

    /** Σ dy and Σ dy·(x − mean) over one row, into {@code out[0]} and {@code out[1]}. */
    private static void gradientSums(float[] dy, float[] x, int off, int len, float mean, float[] out) {
        float s0 = 0, s1 = 0, d0 = 0, d1 = 0;
        int k = 0;
        for (; k + 2 <= len; k += 2) {
            float g0 = dy[off + k];
            float g1 = dy[off + k + 1];
            s0 += g0;
            s1 += g1;
            d0 += g0 * (x[off + k] - mean);
            d1 += g1 * (x[off + k + 1] - mean);
        }
        for (; k < len; k++) {
            s0 += dy[off + k];
            d0 += dy[off + k] * (x[off + k] - mean);
        }
        out[0] = s0 + s1;
        out[1] = d0 + d1;
    }
}

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
                    for (int i = 0; i < n; i++) {
                        int off = (i * c + ch) * s;
                        sum += rowSum(x, off, s, shiftValue);
                        sq += rowSumSquares(x, off, s, shiftValue);
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
                float scale = gamma[ch] * inv;
                float shift = beta[ch] - mean * scale;
                for (int i = 0; i < n; i++) {
                    int off = (i * c + ch) * s;
                    for (int k = 0; k < s; k++) out[off + k] = x[off + k] * scale + shift;
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
                for (int i = 0; i < n; i++) {
                    int off = (i * c + ch) * s;
                    sumDy += rowSum(dy, off, s, 0f);
                    sumDyX += rowDot(dy, x, off, s, mean);
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

    // Row sums in float with four independent accumulators (the adds overlap instead of waiting on each other; a row
    // is at most a few thousand elements), added into the channel's double total by the callers.
    private static float rowSum(float[] x, int off, int len, float shift) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int k = 0;
        for (; k + 4 <= len; k += 4) {
            a0 += x[off + k] - shift;
            a1 += x[off + k + 1] - shift;
            a2 += x[off + k + 2] - shift;
            a3 += x[off + k + 3] - shift;
        }
        for (; k < len; k++) a0 += x[off + k] - shift;
        return (a0 + a1) + (a2 + a3);
    }

    private static float rowSumSquares(float[] x, int off, int len, float shift) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int k = 0;
        for (; k + 4 <= len; k += 4) {
            float d0 = x[off + k] - shift;
            float d1 = x[off + k + 1] - shift;
            float d2 = x[off + k + 2] - shift;
            float d3 = x[off + k + 3] - shift;
            a0 += d0 * d0;
            a1 += d1 * d1;
            a2 += d2 * d2;
            a3 += d3 * d3;
        }
        for (; k < len; k++) {
            float d = x[off + k] - shift;
            a0 += d * d;
        }
        return (a0 + a1) + (a2 + a3);
    }

    /** Σ dy·(x − mean) over one row. */
    private static float rowDot(float[] dy, float[] x, int off, int len, float mean) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int k = 0;
        for (; k + 4 <= len; k += 4) {
            a0 += dy[off + k] * (x[off + k] - mean);
            a1 += dy[off + k + 1] * (x[off + k + 1] - mean);
            a2 += dy[off + k + 2] * (x[off + k + 2] - mean);
            a3 += dy[off + k + 3] * (x[off + k + 3] - mean);
        }
        for (; k < len; k++) a0 += dy[off + k] * (x[off + k] - mean);
        return (a0 + a1) + (a2 + a3);
    }
}

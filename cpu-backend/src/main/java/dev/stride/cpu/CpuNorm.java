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
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        int off = (i * c + ch) * s;
                        for (int k = 0; k < s; k++) sum += x[off + k];
                    }
                    double mu = sum / m;
                    double sq = 0;
                    for (int i = 0; i < n; i++) {
                        int off = (i * c + ch) * s;
                        for (int k = 0; k < s; k++) {
                            double d = x[off + k] - mu;
                            sq += d * d;
                        }
                    }
                    double var = sq / m;
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
                double sumDyXhat = 0;
                for (int i = 0; i < n; i++) {
                    int off = (i * c + ch) * s;
                    for (int k = 0; k < s; k++) {
                        sumDy += dy[off + k];
                        sumDyXhat += dy[off + k] * ((x[off + k] - mean) * inv);
                    }
                }
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

}

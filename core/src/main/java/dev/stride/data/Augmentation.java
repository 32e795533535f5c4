package dev.stride.data;

import dev.stride.random.Philox;

/**
 * Training-time augmentation of image samples {@code [C, H, W]}: random crop after zero padding, horizontal
 * flip, brightness and contrast jitter, Gaussian noise. Sample {@code i} of epoch {@code e} draws its numbers
 * from Philox keyed by the seed at offset {@code e}, so every run and resume sees the same augmented data.
 * Each setting at 0 (or false) turns that augmentation off.
 */
public record Augmentation(long seed, int cropPadding, boolean flip, float brightness, float contrast, float noiseStd) {
    public Augmentation {
        if (cropPadding < 0 || brightness < 0 || contrast < 0 || contrast >= 1 || noiseStd < 0) {
            throw new IllegalArgumentException("augmentation: padding, brightness, noise must be >= 0 and contrast in [0, 1), got "
                    + cropPadding + ", " + brightness + ", " + contrast + ", " + noiseStd);
        }
    }

    /** Applies to one sample in place; {@code sample} is the index of the sample within the dataset. */
    void apply(float[] x, int offset, int[] shape, int epoch, int sample) {
        int c = shape[0];
        int h = shape[1];
        int w = shape[2];
        int[] r = new int[4];
        Philox.words(seed, 2L * epoch, sample, r);
        if (cropPadding > 0) {
            int span = 2 * cropPadding + 1;
            int dy = (int) Long.remainderUnsigned(r[0] & 0xFFFFFFFFL, span) - cropPadding;
            int dx = (int) Long.remainderUnsigned(r[1] & 0xFFFFFFFFL, span) - cropPadding;
            shift(x, offset, c, h, w, dy, dx);
        }
        if (flip && r[2] < 0) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int row = offset + (ch * h + y) * w;
                    for (int a = 0, b = w - 1; a < b; a++, b--) {
                        float t = x[row + a];
                        x[row + a] = x[row + b];
                        x[row + b] = t;
                    }
                }
            }
        }
        int n = c * h * w;
        if (brightness > 0 || contrast > 0) {
            int[] s = new int[4];
            Philox.words(seed, 2L * epoch, (1L << 40) + sample, s);
            float add = brightness * (2 * Philox.uniform(r[3]) - 1);
            float scale = 1 + contrast * (2 * Philox.uniform(s[0]) - 1);
            double mean = 0;
            for (int i = 0; i < n; i++) mean += x[offset + i];
            float m = (float) (mean / n);
            for (int i = 0; i < n; i++) x[offset + i] = (x[offset + i] - m) * scale + m + add;
        }
        if (noiseStd > 0) {
            int[] s = new int[4];
            long base = (long) sample * ((n + 1) / 2);
            for (int i = 0; i < n; i += 2) {
                Philox.words(seed, 2L * epoch + 1, base + i / 2, s);
                x[offset + i] += noiseStd * Philox.normal(s[0], s[1]);
                if (i + 1 < n) x[offset + i + 1] += noiseStd * Philox.normal(s[2], s[3]);
            }
        }
    }

    /** Moves the image by (dy, dx), filling with zeros: the same as cropping a zero-padded image. */
    private static void shift(float[] x, int offset, int c, int h, int w, int dy, int dx) {
        float[] copy = new float[c * h * w];
        System.arraycopy(x, offset, copy, 0, copy.length);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                for (int xx = 0; xx < w; xx++) {
                    int sx = xx + dx;
                    boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                    x[offset + (ch * h + y) * w + xx] = inside ? copy[(ch * h + sy) * w + sx] : 0f;
                }
            }
        }
    }
}

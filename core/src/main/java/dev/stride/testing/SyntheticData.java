package dev.stride.testing;

import dev.stride.data.Dataset;
import dev.stride.random.Philox;

/** Small learnable datasets made from Philox, for tests and conformance runs that must not read files. */
public final class SyntheticData {
    private SyntheticData() {}

    /**
     * {@code n} one-channel {@code side × side} images in {@code classes} classes (sample i has class i mod classes):
     * uniform noise plus 0.5 on the pixels whose index is congruent to the class, so a small model can learn them.
     */
    public static Dataset images(int n, int side, int classes, long seed) {
        float[] x = new float[n * side * side];
        int[] y = new int[n];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int j = 0; j < side * side; j++) {
                if (j % 4 == 0) Philox.words(seed, i, j / 4, w);
                x[i * side * side + j] = Philox.uniform(w[j % 4]) + (j % classes == y[i] ? 0.5f : 0);
            }
        }
        return new Dataset(x, y, new int[] {1, side, side}, classes);
    }
}

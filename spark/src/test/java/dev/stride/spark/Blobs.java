package dev.stride.spark;

import dev.stride.data.Dataset;
import java.util.SplittableRandom;

/** A small synthetic classification set, the same wherever it is loaded: four Gaussian blobs in 20 dimensions. */
record Blobs(int size, long seed) implements TrainingData {
    static final int FEATURES = 20;
    static final int CLASSES = 4;

    @Override
    public Dataset load() {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size * FEATURES];
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            y[i] = i % CLASSES;
            for (int j = 0; j < FEATURES; j++) x[i * FEATURES + j] = (float) (r.nextGaussian() + (j % CLASSES == y[i] ? 1.5 : 0));
        }
        return new Dataset(x, y, new int[] {FEATURES}, CLASSES);
    }
}

package dev.stride.data;

import dev.stride.tensor.Shape;
import java.util.Arrays;

/**
 * An in-memory labelled dataset: {@code size} samples of {@code sampleShape} floats, row-major in one array,
 * and one integer label each.
 */
public record Dataset(float[] features, int[] labels, int[] sampleShape, int classes) implements java.io.Serializable {
    public Dataset {
        long per = Shape.numel(sampleShape);
        if (per * labels.length != features.length) {
            throw new IllegalArgumentException("Dataset: " + features.length + " feature values do not make "
                    + labels.length + " samples of shape " + Shape.str(sampleShape));
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("Dataset: label " + labels[i] + " of sample " + i + " is outside [0, " + classes + ")");
            }
        }
    }

    public int size() {
        return labels.length;
    }

    public int sampleSize() {
        return (int) Shape.numel(sampleShape);
    }

    /** Samples {@code order[from, to)}, in that order, as a new dataset: a batch before it becomes tensors. */
    public Dataset select(int[] order, int from, int to) {
        int per = sampleSize();
        int n = to - from;
        float[] x = new float[n * per];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int s = order[from + i];
            System.arraycopy(features, s * per, x, i * per, per);
            y[i] = labels[s];
        }
        return new Dataset(x, y, sampleShape, classes);
    }

    /** {@code [n, sampleShape...]}: the shape of a batch of n samples. */
    public int[] batchShape(int n) {
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return shape;
    }

    /** Samples {@code [from, to)} as a new dataset. */
    public Dataset range(int from, int to) {
        int per = sampleSize();
        return new Dataset(Arrays.copyOfRange(features, from * per, to * per), Arrays.copyOfRange(labels, from, to),
                sampleShape, classes);
    }

    /** The same samples with {@code (x - mean) / std} applied to every feature. */
    public Dataset normalized(float mean, float std) {
        float[] f = features.clone();
        for (int i = 0; i < f.length; i++) f[i] = (f[i] - mean) / std;
        return new Dataset(f, labels, sampleShape, classes);
    }
}

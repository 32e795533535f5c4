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

package dev.stride.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * MNIST-format data in a folder: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each optionally {@code .gz}. Works for
 * full MNIST, Fashion-MNIST and the digits shipped in {@code data/mnist}. Pixels are scaled to [0, 1].
 */
public final class Mnist {
    private Mnist() {}

    public record Splits(Dataset train, Dataset test) {}

    public static Splits load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(dir + ": not a folder of IDX files");
        return new Splits(split(dir, "train"), split(dir, "t10k"));
    }

    private static Dataset split(Path dir, String prefix) throws IOException {
        Path imagesFile = find(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
        Idx.Array images = Idx.read(imagesFile);
        Idx.Array labels = Idx.read(labelsFile);
        if (images.dims().length != 3) {
            throw new IOException(imagesFile + ": expected images [N, rows, cols], got rank " + images.dims().length);
        }
        if (labels.dims().length != 1 || labels.count() != images.count()) {
            throw new IOException(labelsFile + ": " + labels.count() + " labels for " + images.count() + " images in " + imagesFile);
        }
        float[] px = images.values();
        for (int i = 0; i < px.length; i++) px[i] /= 255f;
        int[] y = labels.ints();
        int classes = 0;
        for (int v : y) classes = Math.max(classes, v + 1);
        return new Dataset(px, y, new int[] {1, images.dims()[1], images.dims()[2]}, Math.max(classes, 10));
    }

    private static Path find(Path dir, String name) throws IOException {
        for (String candidate : new String[] {name + ".gz", name}) {
            Path p = dir.resolve(candidate);
            if (Files.exists(p)) return p;
        }
        throw new IOException(dir.resolve(name + ".gz") + ": missing (looked for " + name + " and " + name + ".gz)");
    }
}

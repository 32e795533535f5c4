package dev.stride.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * MNIST-format data in a folder: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each optionally {@code .gz}. Works for
 * full MNIST, Fashion-MNIST and the digits shipped in {@code data/mnist}. Pixels are scaled to [0, 1].
 * The splits are checked before anything trains: neither is empty, pixels are finite, both have one image size,
 * every class 0..C-1 has a training sample (so a stray label of 255 cannot make a 256-class model), and the test
 * labels lie among the training classes. Each error names the file, the sample and the value.
 */
public final class Mnist {
    private Mnist() {}

    public record Splits(Dataset train, Dataset test) {
        /** The first {@code n} samples of each split (all of them for 0). */
        public Splits limit(int n) {
            if (n <= 0) return this;
            return new Splits(train.range(0, Math.min(n, train.size())), test.range(0, Math.min(n, test.size())));
        }
    }

    public static Splits load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(dir + ": not a folder of IDX files");
        Dataset train = split(dir, "train", -1);
        Dataset test = split(dir, "t10k", train.classes());
        if (!java.util.Arrays.equals(train.sampleShape(), test.sampleShape())) {
            throw new IOException(find(dir, "t10k-images-idx3-ubyte") + ": images of " + test.sampleShape()[1] + "x"
                    + test.sampleShape()[2] + ", but the training images in " + find(dir, "train-images-idx3-ubyte") + " are "
                    + train.sampleShape()[1] + "x" + train.sampleShape()[2]);
        }
        return new Splits(train, test);
    }

    /** One split; {@code classes} is the training split's class count for the test split, -1 for the training split. */
    private static Dataset split(Path dir, String prefix, int classes) throws IOException {
        Path imagesFile = find(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
        Idx.Array images = Idx.read(imagesFile);
        Idx.Array labels = Idx.read(labelsFile);
        if (images.dims().length != 3) {
            throw new IOException(imagesFile + ": expected images [N, rows, cols], got rank " + images.dims().length);
        }
        if (labels.dims().length != 1) {
            throw new IOException(labelsFile + ": expected one label per image (rank 1), got rank " + labels.dims().length);
        }
        if (labels.count() != images.count()) {
            throw new IOException(labelsFile + ": " + labels.count() + " labels for " + images.count() + " images in " + imagesFile);
        }
        if (images.count() == 0) throw new IOException(imagesFile + ": no images");
        float[] px = images.values();
        int per = images.dims()[1] * images.dims()[2];
        for (int i = 0; i < px.length; i++) {
            if (!Float.isFinite(px[i])) {
                throw new IOException(imagesFile + ": sample " + i / per + " has the non-finite pixel " + px[i] + " at " + i % per);
            }
            px[i] /= 255f;
        }
        float[] raw = labels.values();
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] != Math.rint(raw[i])) throw new IOException(labelsFile + ": label " + raw[i] + " of sample " + i + " is not a whole number");
        }
        int[] y = labels.ints();
        return new Dataset(px, y, new int[] {1, images.dims()[1], images.dims()[2]},
                classes < 0 ? trainingClasses(labelsFile, y) : checkTestLabels(labelsFile, y, classes));
    }

    /** max label + 1 (at least 10), when every class below it has a sample. */
    private static int trainingClasses(Path file, int[] y) throws IOException {
        int classes = 10;
        for (int v : y) {
            if (v < 0) throw new IOException(file + ": negative label " + v);
            classes = Math.max(classes, v + 1);
        }
        int[] count = new int[classes];
        for (int v : y) count[v]++;
        int used = 0;
        for (int c = 0; c < classes; c++) used = count[c] > 0 ? c + 1 : used;
        for (int c = 10; c < used; c++) {
            if (count[c] == 0) {
                int at = 0;
                while (y[at] < c) at++;
                throw new IOException(file + ": label " + y[at] + " of sample " + at + " leaves class " + c
                        + " without a training sample (labels must run 0..C-1)");
            }
        }
        return classes;
    }

    private static int checkTestLabels(Path file, int[] y, int classes) throws IOException {
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0 || y[i] >= classes) {
                throw new IOException(file + ": label " + y[i] + " of sample " + i + " is not one of the training split's "
                        + classes + " classes");
            }
        }
        return classes;
    }

    private static Path find(Path dir, String name) throws IOException {
        for (String candidate : new String[] {name + ".gz", name}) {
            Path p = dir.resolve(candidate);
            if (Files.exists(p)) return p;
        }
        throw new IOException(dir.resolve(name + ".gz") + ": missing (looked for " + name + " and " + name + ".gz)");
    }
}

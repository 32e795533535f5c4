package dev.stride.spark;

import dev.stride.data.Dataset;
import dev.stride.data.Mnist;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The training split of an MNIST-format folder that every executor can read (a local path in local mode and on
 * one machine's cluster; a shared file system across machines), optionally cut to its first {@code limit} samples
 * and scaled by {@code (x - mean) / std}.
 */
public record MnistData(String dir, int limit, float mean, float std) implements TrainingData {
    public static MnistData raw(String dir) {
        return new MnistData(dir, 0, 0f, 1f);
    }

    @Override
    public Dataset load() throws IOException {
        Dataset d = Mnist.load(Path.of(dir)).limit(limit).train();
        return mean == 0f && std == 1f ? d : d.normalized(mean, std);
    }
}

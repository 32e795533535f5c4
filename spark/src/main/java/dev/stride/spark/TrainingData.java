package dev.stride.spark;

import dev.stride.data.Dataset;
import java.io.IOException;
import java.io.Serializable;

/**
 * Where the training samples come from, as a value the executors can load themselves: each reads the data and keeps
 * its partition's share, so no task carries samples. Loading must give the same samples in the same order everywhere.
 */
public interface TrainingData extends Serializable {
    Dataset load() throws IOException;
}

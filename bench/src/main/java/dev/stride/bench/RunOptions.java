package dev.stride.bench;

import dev.stride.train.Models;
import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.data.Dataset;
import dev.stride.random.Generator;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that trains shares: which model, which data, which seed, which backend. */
final class RunOptions {
    @Option(names = "--model", defaultValue = "mlp", converter = Checked.ModelName.class, description = "Model: " + Models.NAMES + " (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--data", defaultValue = "${sys:stride.home:-.}/data/mnist",
            description = "Folder of MNIST-format IDX files (default: the digits shipped in data/mnist).")
    Path data;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for initialization and shuffling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", description = BACKEND_HELP)
    String backend;

    static final String BACKEND_HELP = "Backend: cpu, cuda or auto, the best available (default: -Dstride.backend, "
            + "else the STRIDE_BACKEND environment variable, else auto).";

    /** Selects the backend as the default for new tensors and seeds the global generator. */
    Backend start() {
        Backend be = Backends.select(backend);
        Backends.setDefault(be);
        Generator.manualSeed(seed);
        return be;
    }

    /** The training split, scaled by its own mean and standard deviation. */
    Dataset normalizedTrain() throws IOException {
        return TrainCommand.normalizedTrain(data);
    }
}

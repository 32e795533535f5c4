package dev.stride.spark;

import dev.stride.optim.OptimizerSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code spark-submit} entry point: {@code spark-submit --class dev.stride.spark.SparkMain --master URL
 * stride-spark.jar --data DIR ...}. The master comes from spark-submit unless {@code --master} is given.
 */
@Command(name = "stride-spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model data-parallel on Spark on MNIST-format IDX data that every executor can read.")
public final class SparkMain implements Callable<Integer> {
    @Option(names = "--master", description = "Spark master (default: the one spark-submit sets).")
    String master;

    @Option(names = "--data", required = true, description = "Folder of MNIST-format IDX files, readable at the same path on every executor.")
    Path data;

    @Option(names = "--model", defaultValue = "mlp", description = "Model: mlp, mlp-bn, cnn, rnn, lstm, gru (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--hidden-layers", defaultValue = "2", description = "Hidden layers of the MLPs (default ${DEFAULT-VALUE}).")
    int hiddenLayers;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Global batch size, split over the partitions (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", defaultValue = "2", description = "Data partitions, one task each per step (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--average-every", defaultValue = "1", description = "1: synchronous SGD; K > 1: parameter averaging every K local steps.")
    int averageEvery;

    @Option(names = "--optimizer", defaultValue = "adam", description = "Optimizer (default ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate (default: the optimizer's rate in stride train).")
    Float lr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit", defaultValue = "0", description = "Use the first N samples of each split (0: all).")
    int limit;

    @Option(names = "--save", description = "Checkpoint to this safetensors file after every epoch.")
    Path save;

    @Option(names = "--resume", description = "Resume from a checkpoint written by --save.")
    Path resume;

    @Option(names = "--json", description = "Print the summary as one JSON object on the last line.")
    boolean json;

    @Option(names = "--scaling", description = "Print the predicted step time and speed-up for 1 to 64 workers from this run's measurements.")
    boolean scaling;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        var summary = new SparkJob(master, data, model, hiddenLayers, epochs, batchSize, partitions, averageEvery,
                OptimizerSpec.of(optimizer, lr), null, false, 0, seed, limit, save, resume, scaling).run(out, spec.commandLine().getErr());
        if (json) out.println(SparkJob.json(summary));
        out.flush();
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println("stride-spark: " + e.getMessage());
            return 2;
        });
        System.exit(cl.execute(args));
    }
}

package dev.stride.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.Mnist;
import dev.stride.io.SafeTensors;
import dev.stride.loss.Loss;
import dev.stride.nn.Module;
import dev.stride.optim.Adam;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.random.Generator;
import dev.stride.train.Trainer;
import dev.stride.train.TrainingDivergedException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stride train}: trains a classifier on MNIST-format data and reports loss, accuracy and speed. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model on MNIST-format IDX data (default: the digits shipped in data/mnist).")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "mlp", description = "Model: ${COMPLETION-CANDIDATES}; default ${DEFAULT-VALUE}.",
            completionCandidates = ModelNames.class)
    String model;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate (default ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--optimizer", defaultValue = "adam", description = "Optimizer: ${COMPLETION-CANDIDATES}; default ${DEFAULT-VALUE}.")
    OptimizerName optimizer;

    @Option(names = "--backend", defaultValue = "cpu", description = "Backend (default ${DEFAULT-VALUE}; 'auto' picks the best available).")
    String backend;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for initialization and shuffling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", defaultValue = "${sys:stride.home:-.}/data/mnist",
            description = "Folder of MNIST-format IDX files (default: the digits shipped in data/mnist).")
    Path data;

    @Option(names = "--save", description = "Write the trained model to this safetensors file.")
    Path save;

    @Option(names = "--json", description = "Print the summary as one JSON object on the last line of standard output.")
    boolean json;

    enum OptimizerName { sgd, momentum, nesterov, adam, adamw }

    static final class ModelNames extends java.util.ArrayList<String> {
        ModelNames() {
            super(java.util.List.of(Models.NAMES.split(",")));
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (epochs <= 0 || batchSize <= 0) throw new IllegalArgumentException("--epochs and --batch-size must be positive");
        Backend be = Backends.get(backend);
        Backends.setDefault(be);
        Generator.manualSeed(seed);
        Mnist.Splits splits = Mnist.load(data);
        float[] stats = meanStd(splits.train());
        Dataset train = splits.train().normalized(stats[0], stats[1]);
        Dataset test = splits.test().normalized(stats[0], stats[1]);
        int inputs = train.sampleSize();
        Module net = Models.create(model, inputs, train.classes());
        Optimizer opt = optimizer(net);
        Trainer trainer = new Trainer(net, opt, Loss::crossEntropy);
        DataLoader loader = new DataLoader(train, batchSize, true, seed, false, be);
        java.io.PrintWriter err = spec.commandLine().getErr();
        java.io.PrintWriter out = spec.commandLine().getOut();
        double trainSeconds = 0;
        long samples = 0;
        Trainer.EpochStats last = null;
        double testAccuracy = 0;
        long wall = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
            try (ProgressBar bar = progressBar(e, loader.batchesPerEpoch())) {
                last = trainer.trainEpoch(loader, e, (epoch, b, n, loss) -> {
                    bar.stepTo(b);
                    bar.setExtraMessage(String.format(" loss %.4f", loss));
                });
            } catch (TrainingDivergedException ex) {
                err.println("stride train: stopped: " + ex.getMessage());
                err.flush();
                return 3;
            }
            trainSeconds += last.seconds();
            samples += last.samples();
            testAccuracy = Trainer.accuracy(net, test, 1000, be);
            err.printf("epoch %d/%d  train loss %.4f  train acc %.4f  test acc %.4f  %.0f samples/s%n",
                    e + 1, epochs, last.loss(), last.accuracy(), testAccuracy, last.samplesPerSecond());
        }
        double seconds = (System.nanoTime() - wall) / 1e9;
        if (save != null) {
            SafeTensors.save(save, net.stateDict(), Map.of("model", model, "format", "pt"));
            err.println("saved " + save);
        }
        JsonObject summary = new JsonObject();
        summary.addProperty("backend", be.name());
        summary.addProperty("model", Models.describe(model, inputs, train.classes()));
        summary.addProperty("optimizer", optimizer.name());
        summary.addProperty("epochs", epochs);
        summary.addProperty("batch_size", batchSize);
        summary.addProperty("seed", seed);
        summary.addProperty("train_loss", last.loss());
        summary.addProperty("train_accuracy", last.accuracy());
        summary.addProperty("test_accuracy", testAccuracy);
        summary.addProperty("seconds", round(seconds));
        summary.addProperty("train_seconds", round(trainSeconds));
        summary.addProperty("samples_per_second", Math.round(samples / trainSeconds));
        String line = String.format("%s %s: %d epochs, train loss %.4f, test accuracy %.4f, %.1f s, %d samples/s",
                be.name(), Models.describe(model, inputs, train.classes()), epochs, last.loss(), testAccuracy, seconds,
                Math.round(samples / trainSeconds));
        out.println(line);
        if (json) out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(summary));
        out.flush();
        err.flush();
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private Optimizer optimizer(Module net) {
        return switch (optimizer) {
            case sgd -> new Sgd(net.parameters(), lr);
            case momentum -> new Sgd(net.parameters(), lr, 0.9f, 0, false, 0);
            case nesterov -> new Sgd(net.parameters(), lr, 0.9f, 0, true, 0);
            case adam -> new Adam(net.parameters(), lr);
            case adamw -> Adam.adamW(net.parameters(), lr);
        };
    }

    /** Mean and standard deviation of every feature of the training set, for input standardization. */
    private static float[] meanStd(Dataset d) {
        double sum = 0;
        double sq = 0;
        for (float v : d.features()) {
            sum += v;
            sq += (double) v * v;
        }
        double n = d.features().length;
        double mean = sum / n;
        return new float[] {(float) mean, (float) Math.sqrt(Math.max(sq / n - mean * mean, 1e-12))};
    }

    private static ProgressBar progressBar(int epoch, int batches) {
        return new ProgressBarBuilder()
                .setTaskName(String.format("epoch %d", epoch + 1))
                .setInitialMax(batches)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
    }
}

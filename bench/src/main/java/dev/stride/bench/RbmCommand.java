package dev.stride.bench;

import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.Mnist;
import dev.stride.io.SafeTensors;
import dev.stride.nn.Rbm;
import dev.stride.optim.Sgd;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import dev.stride.train.RbmPictures;
import dev.stride.train.RbmTraining;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code stride rbm}: trains one RBM on the digits (binarised at 0.5) and draws what it learned. */
@Command(name = "rbm", mixinStandardHelpOptions = true,
        description = "Train a restricted Boltzmann machine on the digits binarised at 0.5; print reconstruction error and "
                + "pseudo-likelihood per epoch; write filters.png, samples.png and rbm.safetensors.")
final class RbmCommand implements Callable<Integer> {
    @Mixin
    RunOptions opts;

    @Option(names = "--hidden", defaultValue = "256", description = "Hidden units (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--k", defaultValue = "1", description = "Gibbs steps per update, CD-k (default ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--cd", description = "Contrastive divergence from the data; the default is persistent CD, whose chains carry over between batches.")
    boolean cd;

    @Option(names = "--lr", defaultValue = "0.05", converter = Checked.Positive.class, description = "Learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.5", description = "SGD momentum (default ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "2e-4", description = "Weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--gibbs-steps", defaultValue = "1000", description = "Gibbs steps from noise for samples.png (default ${DEFAULT-VALUE}).")
    int gibbsSteps;

    @Option(names = "--limit", defaultValue = "0", converter = Checked.NonNegative.class, description = "Use only the first N training digits (0: all).")
    long limit;

    @Option(names = "--out", defaultValue = "runs/rbm", description = "Folder for the pictures and the weights (default ${DEFAULT-VALUE}).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (hidden <= 0 || epochs <= 0 || batchSize <= 0 || k <= 0 || gibbsSteps <= 0) {
            throw new IllegalArgumentException("--hidden, --epochs, --batch-size, --k and --gibbs-steps must be positive");
        }
        if (!(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("--momentum must be in [0, 1) and --weight-decay >= 0, got " + momentum + " and " + weightDecay);
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        java.nio.file.Files.createDirectories(out);
        if (!java.nio.file.Files.isWritable(out)) throw new java.io.IOException("--out " + out + ": is not writable");
        Backend be = opts.start();
        Dataset train = Mnist.load(opts.data).train();
        if (limit > 0) train = train.range(0, (int) Math.min(limit, train.size()));
        if (train.sampleSize() != 784) throw new IllegalArgumentException("stride rbm: expects 28x28 digits, got " + train.sampleSize() + " values per sample");
        Generator gen = new Generator(opts.seed);
        Rbm rbm = new Rbm(784, (int) hidden, Rbm.Visible.BERNOULLI, be, gen);
        Sgd sgd = Sgd.options().lr((float) lr).momentum((float) momentum).weightDecay((float) weightDecay).build(rbm.parameters());
        RbmTraining training = new RbmTraining(rbm, sgd, (int) k, !cd, gen).binarize(true);
        Tensor monitor = RbmTraining.monitorSet(train, 1000, be);
        rbm.initVisibleBias(training.prepare(monitor));
        DataLoader loader = new DataLoader(train, (int) batchSize, true, opts.seed, false, be).prefetch(true);
        String method = (cd ? "CD-" : "PCD-") + k;
        for (int e = 0; e < epochs; e++) {
            RbmTraining.EpochStats st = training.epoch(loader, e, monitor);
            stdout.printf("epoch %d/%d  %s  reconstruction error %.4f  pseudo-likelihood %.2f  %.0f samples/s%n", e + 1, epochs,
                    method, st.reconstructionError(), st.pseudoLikelihood(), st.samplesPerSecond());
            stdout.flush();
        }
        RbmPictures.filters(rbm, 28, 100, out.resolve("filters.png"));
        RbmPictures.samples(rbm, 28, 64, gibbsSteps, new Generator(opts.seed + 1), out.resolve("samples.png"));
        SafeTensors.save(out.resolve("rbm.safetensors"), rbm.stateDict(), Map.of("format", "stride-rbm", "hidden", String.valueOf(hidden)));
        err.println("wrote " + out.resolve("filters.png") + ", " + out.resolve("samples.png") + " and " + out.resolve("rbm.safetensors"));
        monitor.close();
        return 0;
    }
}

package dev.stride.bench;

import dev.stride.train.Models;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.Augmentation;
import dev.stride.data.Mnist;
import dev.stride.data.Preprocessing;
import dev.stride.loss.Loss;
import dev.stride.nn.Module;
import dev.stride.optim.LBfgs;
import dev.stride.optim.Optimizer;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import dev.stride.train.BestAndLast;
import dev.stride.train.Callback;
import dev.stride.train.Checkpoint;
import dev.stride.train.Curves;
import dev.stride.train.EarlyStopping;
import dev.stride.train.Ema;
import dev.stride.train.Ensemble;
import dev.stride.optim.schedule.CosineWarmRestarts;
import dev.stride.train.Trainer;
import dev.stride.train.TrainingDivergedException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code stride train}: trains a classifier on MNIST-format data and reports loss, accuracy and speed. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model on MNIST-format IDX data (default: the digits shipped in data/mnist).")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    RunOptions opts;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs in total, counting resumed ones (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--limit", defaultValue = "0", description = "Train and test on the first N samples of each split (0: all).")
    int limit;

    @Mixin
    OptimizerOptions optimizer;

    @Mixin
    ScheduleOptions schedule;

    @Option(names = "--save", description = "Write a checkpoint (model, optimizer, counters) to this safetensors file after every epoch.")
    Path save;

    @Option(names = "--resume", description = "Continue from a checkpoint written by --save (with the same model, batch size, preprocessing, optimizer and schedule).")
    Path resume;

    @Option(names = "--resume-weights-only", description = "Start a new run from a checkpoint's weights, under any settings.")
    Path resumeWeights;

    @Option(names = "--checkpoint-dir", description = "Keep best.safetensors (lowest validation loss) and last.safetensors here.")
    Path checkpointDir;

    @Option(names = "--curves", description = "Folder for curves.csv, rewritten every epoch (default runs/<model>; 'none' to skip).")
    String curves;

    @Option(names = "--plots", description = "Also draw loss.png and accuracy.png into the --curves folder, at the end and "
            + "at most every 30 s before (their first drawing takes about 0.4 s).")
    boolean plots;

    @Option(names = "--early-stop", defaultValue = "0", description = "Stop after this many epochs without validation improvement (0: off).")
    int earlyStop;

    @Option(names = "--ema", defaultValue = "0", description = "Also evaluate Polyak/EMA-averaged weights with this decay, e.g. 0.999 (0: off).")
    float ema;

    @Option(names = "--snapshots", description = "Snapshot ensemble: keep the weights at each cosine_restarts cycle end and "
            + "report the ensemble's test accuracy.")
    boolean snapshots;

    @Option(names = "--preprocess", converter = Checked.Preprocess.class,
            description = "Input preprocessing fitted on the training split: none, global (one mean and std), mean-image, "
                    + "per-channel, standardize, pca-K or whiten-K (K components; MLP only). Default global; none for dbn, "
                    + "whose RBMs take pixel intensities as probabilities.")
    String preprocess;

    @Option(names = "--hidden-layers", defaultValue = "2", description = "mlp, mlp-bn, dbn: hidden layers of 256 units (default ${DEFAULT-VALUE}).")
    int hiddenLayers;

    @Option(names = "--layer-stats", description = "Log each layer's gradient norm and update/weight ratio at the end of every "
            + "epoch, and add them to curves.csv: gradients vanishing or exploding layer by layer show here.")
    boolean layerStats;

    @Option(names = "--pretrain-epochs", defaultValue = "1", converter = Checked.NonNegative.class,
            description = "dbn: epochs of greedy CD-1 pre-training per RBM before fine-tuning; 0 fine-tunes the same network "
                    + "from random initialization (default ${DEFAULT-VALUE}).")
    long pretrainEpochs;

    @Option(names = "--crop-padding", defaultValue = "0", description = "Augment: random crop after this much zero padding.")
    int cropPadding;

    @Option(names = "--flip", description = "Augment: random horizontal flips (not for digits).")
    boolean flip;

    @Option(names = "--brightness", defaultValue = "0", description = "Augment: brightness jitter amplitude.")
    float brightness;

    @Option(names = "--contrast", defaultValue = "0", description = "Augment: contrast jitter amplitude, in [0, 1).")
    float contrast;

    @Option(names = "--noise", defaultValue = "0", description = "Augment: Gaussian noise standard deviation.")
    float noise;

    @Option(names = "--init-from", description = "Start from the model weights in this checkpoint or safetensors file.")
    Path initFrom;

    @Option(names = "--freeze", split = ",", description = "Freeze parameters whose names start with these prefixes, e.g. 1.,3.")
    java.util.List<String> freeze = new java.util.ArrayList<>();

    @Option(names = "--reinit", description = "Re-initialize parameters under this prefix (a new head), e.g. 5.")
    String reinit;

    @Option(names = "--body-lr-scale", defaultValue = "1", description = "Learning-rate factor for the trainable parameters outside --reinit (default ${DEFAULT-VALUE}).")
    float bodyLrScale;

    @Option(names = "--json", description = "Print the summary as one JSON object on the last line of standard output.")
    boolean json;

    @Option(names = "--spark", paramLabel = "MASTER", description = "Train data-parallel on Spark: local[N], local[N,F] "
            + "(F attempts per task) or spark://HOST:PORT; the data folder must be readable by every executor.")
    String spark;

    @Option(names = "--partitions", defaultValue = "0", description = "--spark: data partitions, each computing its share "
            + "of every batch (default: N of local[N], else 2).")
    int partitions;

    @Option(names = "--average-every", defaultValue = "1", description = "--spark: 1 for synchronous SGD (default); K > 1 "
            + "for parameter averaging every K local steps.")
    int averageEvery;

    @Option(names = "--scaling", description = "--spark: print the predicted step time and speed-up for 1 to 64 workers "
            + "at 1 and 10 Gbit/s from this run's measurements.")
    boolean scaling;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (epochs <= 0 || batchSize <= 0) throw new IllegalArgumentException("--epochs and --batch-size must be positive");
        if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        checkPaths();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (spark != null) {
            checkSparkOptions();
            JsonObject summary = SparkTrain.run(this, out, err);
            if (json) out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(summary));
            out.flush();
            return 0;
        }
        if (partitions != 0 || averageEvery != 1 || scaling) {
            throw new IllegalArgumentException("--partitions, --average-every and --scaling need --spark");
        }
        boolean dbn = opts.model.equals("dbn");
        if (preprocess == null) preprocess = dbn ? "none" : "global";
        if (dbn && !preprocess.equals("none")) {
            throw new IllegalArgumentException("--model dbn takes pixel intensities as probabilities: use --preprocess none, not "
                    + preprocess);
        }
        Backend be = opts.start();
        // Before the data loads, which the CPU backend's warm-up overlaps.
        be.expect(Models.usesSpatialOps(opts.model));
        Mnist.Splits splits = Mnist.load(opts.data).limit(limit);
        Preprocessing.Transform prep = preprocessing(splits.train(), be);
        Dataset train = prep.apply(splits.train());
        Dataset test = prep.apply(splits.test());
        int inputs = train.sampleSize();
        if (train.sampleShape().length == 1 && !opts.model.equals("mlp")) {
            throw new IllegalArgumentException("--preprocess " + preprocess + " makes flat samples; only --model mlp takes them");
        }
        Module net = Models.create(opts.model, inputs, train.classes(), hiddenLayers);
        if (initFrom != null) {
            Checkpoint.loadWeights(initFrom, net);
            err.println("initialized from " + initFrom);
        }
        if (dbn && pretrainEpochs > 0 && initFrom == null) pretrain((dev.stride.nn.Sequential) net, train, be, err);
        if (reinit != null) err.println("re-initialized " + net.reinitialize(reinit, Generator.global()));
        if (!freeze.isEmpty()) err.println("frozen " + net.freeze(freeze.toArray(new String[0])));
        DataLoader loader = new DataLoader(train, batchSize, true, opts.seed, false, be).prefetch(true);
        if (cropPadding > 0 || flip || brightness > 0 || contrast > 0 || noise > 0) {
            loader.augment(new Augmentation(opts.seed + 1, cropPadding, flip, brightness, contrast, noise));
        }
        Run run = optimizer.name == OptimizerOptions.Name.lbfgs
                ? fullBatch(net, train, test, be, err)
                : minibatch(net, loader, test, be, err);
        if (run == null) return 3;
        JsonObject summary = new JsonObject();
        String described = Models.describe(opts.model, inputs, train.classes(), hiddenLayers);
        summary.addProperty("backend", be.name());
        summary.addProperty("model", described);
        summary.addProperty("optimizer", optimizer.name.name());
        summary.addProperty("schedule", schedule.name.name());
        summary.addProperty("epochs", epochs);
        summary.addProperty("batch_size", batchSize);
        summary.addProperty("seed", opts.seed);
        number(summary, "train_loss", run.trainLoss);
        number(summary, "test_accuracy", run.testAccuracy);
        summary.addProperty("seconds", round(run.seconds));
        summary.addProperty("train_seconds", round(run.trainSeconds));
        summary.addProperty("samples_per_second", run.samples == 0 ? 0 : Math.round(run.samples / run.trainSeconds));
        // The twin's other two figures (shared/peers/torch_twin.py), so that the two JSON lines compare field by field.
        if (!run.epochSeconds.isEmpty()) {
            summary.addProperty("steady_samples_per_second", Math.round(run.epochSamples / steadyEpoch(run.epochSeconds)));
        }
        // From the JVM's start, JIT warm-up and data loading included (a process's start instant is whole seconds).
        summary.addProperty("wall_seconds", round(java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3));
        if (!Double.isNaN(run.emaAccuracy)) number(summary, "ema_test_accuracy", run.emaAccuracy);
        if (!Double.isNaN(run.snapshotAccuracy)) number(summary, "snapshot_ensemble_test_accuracy", run.snapshotAccuracy);
        out.printf("%s %s: %d epochs, train loss %.4f, test accuracy %.4f, %.1f s, %d samples/s%n", be.name(), described,
                epochs, run.trainLoss, run.testAccuracy, run.seconds, Math.round(run.samples / run.trainSeconds));
        if (json) out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(summary));
        out.flush();
        return 0;
    }

    /** Greedy RBM pre-training of the DBN's hidden layers, logged per layer and epoch; pictures go beside the curves. */
    private void pretrain(dev.stride.nn.Sequential net, Dataset train, Backend be, PrintWriter err) throws java.io.IOException {
        int[] sizes = Models.dbnSizes(train.sampleSize(), hiddenLayers);
        var rbms = dev.stride.train.DeepBeliefNet.stack(sizes, be, Generator.global());
        DataLoader loader = new DataLoader(train, batchSize, true, opts.seed + 2, false, be).prefetch(true);
        Tensor monitor = dev.stride.train.RbmTraining.monitorSet(train, 1000, be);
        var settings = new dev.stride.train.DeepBeliefNet.Pretraining((int) pretrainEpochs, 1, 0.05f, 0.5f, 2e-4f);
        long t0 = System.nanoTime();
        dev.stride.train.DeepBeliefNet.pretrain(rbms, loader, monitor, settings, Generator.global(), (layer, st) -> {
            err.printf("pretrain rbm %d (%d-%d) epoch %d/%d  reconstruction error %.4f  pseudo-likelihood %.2f  %.0f samples/s%n",
                    layer + 1, sizes[layer], sizes[layer + 1], st.epoch() + 1, pretrainEpochs, st.reconstructionError(),
                    st.pseudoLikelihood(), st.samplesPerSecond());
            err.flush();
        });
        monitor.close();
        dev.stride.train.DeepBeliefNet.unrollInto(rbms, net);
        err.printf("pre-trained %d RBMs in %.1f s%n", rbms.size(), (System.nanoTime() - t0) / 1e9);
        String curveDir = curves == null ? "runs/" + opts.model : curves;
        if (!curveDir.equals("none") && sizes[0] == 784) {
            Path dir = Path.of(curveDir);
            dev.stride.train.RbmPictures.filters(rbms.get(0), 28, 100, dir.resolve("filters.png"));
            dev.stride.train.RbmPictures.samples(rbms.get(0), 28, 64, 1000, new Generator(opts.seed + 3), dir.resolve("samples.png"));
            err.println("wrote " + dir.resolve("filters.png") + " and " + dir.resolve("samples.png"));
        }
    }

    /**
     * What a checkpoint must be resumed with: the model, batch size and preprocessing, and every optimizer and schedule
     * option, as given or defaulted.
     */
    /** A number, or JSON null when it is not finite: the summary is always valid JSON. */
    private static void number(JsonObject o, String key, double v) {
        if (Double.isFinite(v)) o.addProperty(key, v);
        else o.add(key, com.google.gson.JsonNull.INSTANCE);
    }

    private java.util.Map<String, String> recipe() {
        java.util.Map<String, String> r = new java.util.TreeMap<>();
        r.put("--model", opts.model);
        r.put("--batch-size", String.valueOf(batchSize));
        r.put("--preprocess", preprocess);
        r.put("--ema", String.valueOf(ema));
        for (String mixin : new String[] {"optimizer", "schedule"}) {
            for (CommandLine.Model.OptionSpec o : spec.mixins().get(mixin).options()) {
                Object v = o.getValue();
                r.put(o.longestName(), v == null ? "(default)" : v instanceof Object[] a ? java.util.Arrays.toString(a) : String.valueOf(v));
            }
        }
        return r;
    }

    /** A resumed run with nothing left to train: says so, and reports the checkpoint's real metrics. */
    private Run finished(Module net, DataLoader loader, Dataset test, Backend be, Trainer trainer, PrintWriter err) {
        Run run = new Run();
        long wall = System.nanoTime();
        run.trainLoss = Trainer.evaluate(net, loader.dataset(), batchSize, be, Loss::crossEntropy).loss();
        run.testAccuracy = Trainer.evaluate(net, test, batchSize, be, Loss::crossEntropy).accuracy();
        err.printf("nothing to train: %s has trained %d epochs and --epochs asks for %d; its metrics as saved:%n", resume,
                trainer.epochsDone(), epochs);
        run.seconds = (System.nanoTime() - wall) / 1e9;
        return run;
    }

    /** What a run reports. */
    private static final class Run {
        double trainLoss;
        double testAccuracy;
        double seconds;
        double trainSeconds;
        long samples;
        double emaAccuracy = Double.NaN;
        double snapshotAccuracy = Double.NaN;
        /** Each epoch's training seconds, in order, and the samples of one epoch. */
        final java.util.List<Double> epochSeconds = new java.util.ArrayList<>();
        long epochSamples;
    }

    /**
     * The median training time of epochs 2..N (of the only epoch when there is one), the upper of the two middle ones
     * for an even count: what PyTorch's twin divides an epoch's samples by for its steady rate, without the first
     * epoch's warm-up.
     */
    static double steadyEpoch(java.util.List<Double> epochSeconds) {
        java.util.List<Double> later = new java.util.ArrayList<>(
                epochSeconds.size() > 1 ? epochSeconds.subList(1, epochSeconds.size()) : epochSeconds);
        java.util.Collections.sort(later);
        return later.get(later.size() / 2);
    }

    private Run minibatch(Module net, DataLoader loader, Dataset test, Backend be, PrintWriter err) throws Exception {
        Optimizer opt = optimizer.create(groups(net));
        Trainer trainer = new Trainer(net, opt, Loss::crossEntropy)
                .schedule(schedule.create(optimizer.learningRate(), epochs, loader.batchesPerEpoch()), schedule.perStep())
                .momentumSchedule(schedule.momentum(spec.commandLine(), epochs, loader.batchesPerEpoch()))
                .plateau(schedule.plateau())
                .clipNorm(optimizer.clipNorm)
                .layerStats(layerStats);
        Ema average = ema > 0 ? new Ema(net, ema) : null;
        Ensemble.Snapshots snaps = null;
        if (snapshots) {
            if (!(trainer.schedule() instanceof CosineWarmRestarts sgdr)) {
                throw new IllegalArgumentException("--snapshots needs --schedule cosine_restarts (snapshots are taken at cycle ends)");
            }
            snaps = new Ensemble.Snapshots(net, sgdr);
            trainer.callbacks(snaps);
        }
        if (average != null) trainer.callbacks(average);
        if (earlyStop > 0) trainer.callbacks(new EarlyStopping(earlyStop, 0));
        if (checkpointDir != null) trainer.callbacks(new BestAndLast(checkpointDir, net, recipe()));
        String curveDir = curves == null ? "runs/" + opts.model : curves;
        if (!curveDir.equals("none")) trainer.callbacks(new Curves(Path.of(curveDir), plots));
        if (save != null) {
            trainer.callbacks(new Callback() {
                @Override
                public void epochEnd(Trainer t, Trainer.EpochStats s, Trainer.Evaluation v) throws java.io.IOException {
                    Checkpoint.save(save, net, opt, t, recipe());
                }
            });
        }
        if (resume != null && resumeWeights != null) throw new IllegalArgumentException("--resume and --resume-weights-only exclude each other");
        if (resume != null) {
            Checkpoint.load(resume, net, opt, trainer, recipe());
            err.printf("resumed from %s after epoch %d%n", resume, trainer.epochsDone());
            if (trainer.epochsDone() >= epochs) return finished(net, loader, test, be, trainer, err);
        }
        if (resumeWeights != null) {
            Checkpoint.loadWeights(resumeWeights, net);
            err.printf("started from the weights of %s%n", resumeWeights);
        }
        Run run = new Run();
        long wall = System.nanoTime();
        ProgressBar[] bar = new ProgressBar[1];
        int width = terminalWidth();
        try {
            long[] epochStart = {0};
            long[] lastMessage = {0};
            trainer.fit(loader, test, epochs, (epoch, b, n, loss) -> {
                if (bar[0] == null) {
                    bar[0] = progressBar(epoch, n, width);
                    epochStart[0] = System.nanoTime();
                }
                bar[0].stepTo(b);
                // The bar redraws every 200 ms: a message formatted for each step would mostly go unseen, and
                // String.format's parsing showed in the first steps' profile.
                long now = System.nanoTime();
                if (b == 1 || b == n || now - lastMessage[0] >= 100_000_000L) {
                    lastMessage[0] = now;
                    // Timed from the end of the first batch, which started the bar.
                    double rate = (double) (b - 1) * batchSize / ((now - epochStart[0]) / 1e9);
                    bar[0].setExtraMessage(b == 1 ? String.format(" loss %.4f", loss) : String.format(" loss %.4f  %.0f samples/s", loss, rate));
                }
                if (b == n) {
                    bar[0].close();
                    bar[0] = null;
                }
            }, (stats, eval) -> {
                run.trainLoss = stats.loss();
                run.testAccuracy = eval.accuracy();
                run.trainSeconds += stats.seconds();
                run.samples += stats.samples();
                run.epochSeconds.add(stats.seconds());
                run.epochSamples = stats.samples();
                err.printf("epoch %d/%d  lr %.3g  train loss %.4f  train acc %.4f  test loss %.4f  test acc %.4f  top-5 %.4f  %.0f samples/s%s%n",
                        stats.epoch() + 1, epochs, opt.learningRate(), stats.loss(), stats.accuracy(), eval.loss(), eval.accuracy(), eval.top5(),
                        stats.samplesPerSecond(), Double.isNaN(trainer.lastUpdateRatio()) ? ""
                                : String.format("  update/weight %.1e", trainer.lastUpdateRatio()));
                if (layerStats) {
                    StringBuilder line = new StringBuilder("  layers (gradient norm, update/weight):");
                    trainer.layerStats().forEach((name, st) -> line.append(String.format("  %s %.2e %.1e", name, st.gradNorm(), st.updateRatio())));
                    if (!trainer.deadRelus().isEmpty()) {
                        line.append("\n  dead ReLU units:");
                        trainer.deadRelus().forEach((name, f) -> line.append(String.format("  %s %.1f%%", name, 100 * f)));
                    }
                    trainer.timeGradients().forEach((name, g) -> {
                        line.append("\n  ").append(name).append(" ||dL/dh_t|| from t=1 to T:");
                        for (int t = 0; t < g.length; t += Math.max(1, g.length / 7)) line.append(String.format(" %.1e", g[t]));
                        line.append(String.format(" ... %.1e (t=T)", g[g.length - 1]));
                    });
                    if (!trainer.spectralRadii().isEmpty()) {
                        line.append("\n  W_hh spectral radius:");
                        trainer.spectralRadii().forEach((name, r) -> line.append(String.format("  %s %.3f", name, r)));
                    }
                    err.println(line);
                }
            });
        } catch (TrainingDivergedException ex) {
            if (bar[0] != null) bar[0].close();
            err.println("stride train: stopped: " + ex.getMessage());
            return null;
        }
        if (average != null) {
            run.emaAccuracy = average.evaluate(() -> Trainer.accuracy(net, test, batchSize, be));
            err.printf("EMA (decay %s) test acc %.4f%n", ema, run.emaAccuracy);
        }
        if (snaps != null && !snaps.taken().isEmpty()) {
            run.snapshotAccuracy = Ensemble.accuracy(net, snaps.taken(), test, be);
            err.printf("snapshot ensemble of %d test acc %.4f%n", snaps.taken().size(), run.snapshotAccuracy);
        }
        run.seconds = (System.nanoTime() - wall) / 1e9;
        return run;
    }

    /** Trainable parameters; with --reinit and --body-lr-scale, the body gets the scaled rate, the new head the full one. */
    private java.util.List<dev.stride.optim.ParamGroup> groups(Module net) {
        java.util.List<dev.stride.tensor.Tensor> head = new java.util.ArrayList<>();
        java.util.List<dev.stride.tensor.Tensor> body = new java.util.ArrayList<>();
        net.namedParameters().forEach((name, p) -> {
            if (!p.requiresGrad()) return;
            (reinit != null && name.startsWith(reinit) ? head : body).add(p);
        });
        java.util.List<dev.stride.optim.ParamGroup> out = new java.util.ArrayList<>();
        float lr = optimizer.learningRate();
        if (!body.isEmpty()) out.add(dev.stride.optim.ParamGroup.of(body).lr(reinit == null ? lr : lr * bodyLrScale));
        if (!head.isEmpty()) out.add(dev.stride.optim.ParamGroup.of(head).lr(lr));
        return out;
    }

    /** L-BFGS on the whole training set: one {@code step} (up to 20 iterations) per epoch. */
    private Run fullBatch(Module net, Dataset train, Dataset test, Backend be, PrintWriter err) {
        if (resume != null || save != null) throw new IllegalArgumentException("--resume and --save are not supported with lbfgs");
        LBfgs lbfgs = new LBfgs(net.parameters(), optimizer.learningRate(), 20, 1e-7, 1e-9, optimizer.history, true);
        DataLoader.Batch all = new DataLoader(train, train.size(), false, 0, false, be).epoch(0).iterator().next();
        Run run = new Run();
        long wall = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
            long t0 = System.nanoTime();
            float[] last = new float[1];
            lbfgs.step(() -> {
                net.zeroGrad();
                Tensor loss = Loss.crossEntropy(net.forward(all.inputs()), all.labels());
                loss.backward();
                last[0] = loss.item();
                return loss;
            });
            if (!Float.isFinite(last[0])) {
                err.println("stride train: stopped: loss became " + last[0] + " in L-BFGS iteration " + lbfgs.iterations());
                return null;
            }
            run.trainSeconds += (System.nanoTime() - t0) / 1e9;
            run.samples += train.size();
            run.trainLoss = last[0];
            run.testAccuracy = Trainer.accuracy(net, test, batchSize, be);
            err.printf("epoch %d/%d  L-BFGS iterations %d  train loss %.4f  test acc %.4f%n",
                    e + 1, epochs, lbfgs.iterations(), run.trainLoss, run.testAccuracy);
        }
        run.seconds = (System.nanoTime() - wall) / 1e9;
        return run;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Names every option that a Spark training does not take, before anything starts. */
    private void checkSparkOptions() {
        java.util.List<String> no = new java.util.ArrayList<>();
        if (optimizer.name == OptimizerOptions.Name.lbfgs) no.add("--optimizer lbfgs");
        if (resumeWeights != null) no.add("--resume-weights-only");
        if (checkpointDir != null) no.add("--checkpoint-dir");
        if (curves != null) no.add("--curves");
        if (plots) no.add("--plots");
        if (earlyStop != 0) no.add("--early-stop");
        if (ema != 0) no.add("--ema");
        if (snapshots) no.add("--snapshots");
        if (preprocess != null && !preprocess.equals("global")) no.add("--preprocess " + preprocess);
        if (layerStats) no.add("--layer-stats");
        if (schedule.name == ScheduleOptions.Name.plateau) no.add("--schedule plateau");
        if (schedule.cycleMomentum != null) no.add("--cycle-momentum");
        if (opts.model.equals("dbn")) no.add("--model dbn");
        if (cropPadding > 0 || flip || brightness > 0 || contrast > 0 || noise > 0) no.add("augmentation");
        if (initFrom != null || !freeze.isEmpty() || reinit != null) no.add("--init-from/--freeze/--reinit");
        if (opts.backend != null && !opts.backend.equals("cpu")) no.add("--backend " + opts.backend);
        if (!no.isEmpty()) throw new IllegalArgumentException("--spark does not take " + String.join(", ", no));
        if (partitions < 0) throw new IllegalArgumentException("--partitions must be >= 1, got " + partitions);
    }

    /**
     * Everything about the files a run will write or read that can be known before its first step: a checkpoint to
     * resume exists and is a file, a checkpoint or curve folder is not an existing file, and the folders it writes to
     * can be made.
     */
    private void checkPaths() throws java.io.IOException {
        readableFile("--resume", resume);
        readableFile("--resume-weights-only", resumeWeights);
        readableFile("--init-from", initFrom);
        if (save != null) writableFolder("--save", save.toAbsolutePath().getParent());
        if (checkpointDir != null) writableFolder("--checkpoint-dir", checkpointDir);
        if (plots && "none".equals(curves)) throw new IllegalArgumentException("--plots draws into the curves folder: it cannot go with --curves none");
        if (curves != null && !curves.equals("none")) writableFolder("--curves", Path.of(curves));
    }

    private static void readableFile(String option, Path p) throws java.io.IOException {
        if (p == null) return;
        if (!java.nio.file.Files.exists(p)) throw new java.io.IOException(option + " " + p + ": no such file");
        if (java.nio.file.Files.isDirectory(p)) throw new java.io.IOException(option + " " + p + ": is a folder, not a checkpoint file");
    }

    private static void writableFolder(String option, Path dir) throws java.io.IOException {
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
            throw new java.io.IOException(option + " " + dir + ": is a file, not a folder");
        }
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.IOException(option + " " + dir + ": cannot be created (" + e.getMessage() + ")", e);
        }
        if (!java.nio.file.Files.isWritable(dir)) throw new java.io.IOException(option + " " + dir + ": is not writable");
    }

    private Preprocessing.Transform preprocessing(Dataset train, Backend be) {
        String[] p = preprocess.split("-");
        return switch (p[0]) {
            case "none" -> d -> d;
            case "global" -> {
                float[] ms = Preprocessing.meanStd(train);
                yield d -> d.normalized(ms[0], ms[1]);
            }
            case "mean" -> Preprocessing.meanImage(train);
            case "per" -> Preprocessing.perChannelMean(train);
            case "standardize" -> Preprocessing.standardize(train);
            case "pca", "whiten" -> {
                if (p.length != 2) throw new IllegalArgumentException("--preprocess " + preprocess + ": expected " + p[0] + "-K");
                yield Preprocessing.pca(train, Integer.parseInt(p[1]), p[0].equals("whiten"), 1e-2, be);
            }
            default -> throw new IllegalArgumentException("--preprocess: unknown '" + preprocess
                    + "' (none, global, mean-image, per-channel, standardize, pca-K, whiten-K)");
        };
    }

    /** The training split of {@code dir}, scaled by its own global mean and standard deviation. */
    static Dataset normalizedTrain(Path dir) throws java.io.IOException {
        Dataset train = Mnist.load(dir).train();
        float[] ms = Preprocessing.meanStd(train);
        return train.normalized(ms[0], ms[1]);
    }

    /**
     * The terminal's width for the progress bars, read once a run. Left to itself progressbar asks jline for it on
     * every bar, and jline starts a {@code tty} and a {@code test} process each time: four processes an epoch
     * (counted with strace), and code for the JIT to compile while the training steps wait for a core.
     */
    static int terminalWidth() {
        if (System.console() == null) return FALLBACK_WIDTH;
        try (Terminal t = TerminalBuilder.builder().dumb(true).build()) {
            int width = t.getWidth();
            return width > 10 ? width - 1 : FALLBACK_WIDTH;
        } catch (java.io.IOException | RuntimeException e) {
            return FALLBACK_WIDTH;
        }
    }

    private static final int FALLBACK_WIDTH = 100;

    private static ProgressBar progressBar(int epoch, int batches, int width) {
        return new ProgressBarBuilder()
                .setTaskName(String.format("epoch %d", epoch + 1))
                .setInitialMax(batches)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.err, width))
                .build();
    }
}

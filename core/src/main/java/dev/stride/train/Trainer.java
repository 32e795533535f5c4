package dev.stride.train;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.nn.Module;
import dev.stride.optim.Clip;
import dev.stride.optim.Optimizer;
import dev.stride.optim.schedule.ReduceOnPlateau;
import dev.stride.optim.schedule.Schedule;
import dev.stride.tensor.DType;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The training loop: forward, loss, a finite-loss guard, backward, optional clipping, one fused optimizer step.
 * A non-finite loss stops the run before its step is applied, so the model keeps its last good weights.
 * A learning-rate {@link Schedule} is applied per epoch or per step; its count is derived from the trainer's
 * own counters, so a resumed run sees exactly the rates of an uninterrupted one.
 */
public final class Trainer {
    private final Module model;
    /** Told to the backend before each epoch ({@link Backend#expect}). */
    private final boolean spatialOps;
    private final Optimizer optimizer;
    private final BiFunction<Tensor, Tensor, Tensor> loss;
    private Schedule schedule;
    private Schedule momentumSchedule;
    private boolean schedulePerStep;
    private ReduceOnPlateau plateau;
    private double clipNorm;
    private long step;
    private int epochsDone;
    private double firstLoss = Double.NaN;
    private final java.util.List<Callback> callbacks = new java.util.ArrayList<>();
    private int monitorEvery = 100;
    private boolean layerStats;
    private Map<String, LayerStat> lastLayerStats = Map.of();
    private Map<String, Double> deadRelus = Map.of();
    private Map<String, Double> spectralRadii = Map.of();
    private Map<String, double[]> timeGradients = Map.of();
    /** The share of dead units above which a warning names the layer. */
    public static final double DEAD_RELU_WARNING = 0.5;
    private double lastGradNorm = Double.NaN;
    private double lastUpdateRatio = Double.NaN;
    private Tensor pendingMonitor;
    private long monitoredStep;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Trainer.class);

    /** Receives each batch's loss as training goes. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (epoch, batch, batches, loss) -> {};

        void batchEnd(int epoch, int batch, int batches, float loss);
    }

    /** One epoch's numbers: mean training loss and accuracy over its batches, and the time spent training. */
    public record EpochStats(int epoch, double loss, double accuracy, long samples, double seconds) {
        public double samplesPerSecond() {
            return samples / seconds;
        }
    }

    /** One layer's gradient norm and update/weight ratio, {@code ‖Δw‖/‖w‖}, over its parameters at one step. */
    public record LayerStat(double gradNorm, double updateRatio) {}

    /** Loss, accuracy and top-5 accuracy (label among the five highest scores) of a model on a dataset. */
    public record Evaluation(double loss, double accuracy, double top5) {}

    /** {@code loss} maps (model output, labels) to a scalar. */
    public Trainer(Module model, Optimizer optimizer, BiFunction<Tensor, Tensor, Tensor> loss) {
        this.model = model;
        this.spatialOps = Models.usesSpatialOps(model);
        this.optimizer = optimizer;
        this.loss = loss;
    }

    /** Sets the rate of every group to {@code schedule(group base rate, t)}, t counting steps or epochs from 0. */
    public Trainer schedule(Schedule s, boolean perStep) {
        schedule = s;
        schedulePerStep = perStep;
        return this;
    }

    /**
     * Cycles every group's momentum (β1 for the Adam family) as {@code schedule(group base momentum, t)}, on the
     * learning-rate schedule's count: one-cycle's and CyclicLR's {@code cycle_momentum}.
     */
    public Trainer momentumSchedule(Schedule s) {
        if (s != null && !optimizer.hasMomentum()) {
            throw new IllegalArgumentException("momentum schedule: " + optimizer.name() + " has no momentum to cycle");
        }
        momentumSchedule = s;
        return this;
    }

    /**
     * Measures each layer's gradient norm and update/weight ratio at the last step of every epoch (one host read per
     * epoch), to watch gradients vanish or explode layer by layer; see {@link #layerStats()}.
     */
    public Trainer layerStats(boolean on) {
        layerStats = on;
        return this;
    }

    /** The last epoch's per-layer numbers by layer name (the parameters' dotted prefix), bottom layer first. */
    public Map<String, LayerStat> layerStats() {
        return lastLayerStats;
    }

    /** With {@link #layerStats(boolean)}: each ReLU module's share of units that were zero for every sample of the last epoch. */
    public Map<String, Double> deadRelus() {
        return deadRelus;
    }

    /** With {@link #layerStats(boolean)}: each recurrent layer's {@code W_hh} spectral radius (per stacked layer) after the last epoch. */
    public Map<String, Double> spectralRadii() {
        return spectralRadii;
    }

    /**
     * With {@link #layerStats(boolean)}: for each recurrent layer, {@code ‖dL/dh_t‖} for t = 1..T at the last step of
     * the last epoch: how the gradient decays or grows back through time.
     */
    public Map<String, double[]> timeGradients() {
        return timeGradients;
    }

    private void captureTimeGradients() {
        for (dev.stride.nn.Module m : modules().values()) {
            if (m instanceof dev.stride.nn.Recurrent r) r.captureTimeGradients();
        }
    }

    private Map<String, double[]> readTimeGradients() {
        Map<String, double[]> out = new LinkedHashMap<>();
        modules().forEach((name, m) -> {
            if (!(m instanceof dev.stride.nn.Recurrent r)) return;
            Tensor norms = r.timeGradientNorms();
            if (norms == null) return;
            float[] v = norms.toFloatArray();
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) d[i] = v[i];
            out.put(name, d);
        });
        return out;
    }

    /** Every module under {@code m} by dotted name, parents first. */
    private static void modules(String prefix, dev.stride.nn.Module m, Map<String, dev.stride.nn.Module> out) {
        out.put(prefix, m);
        m.children().forEach((k, c) -> modules(prefix.isEmpty() ? k : prefix + "." + k, c, out));
    }

    private Map<String, dev.stride.nn.Module> modules() {
        Map<String, dev.stride.nn.Module> all = new LinkedHashMap<>();
        modules("", model, all);
        return all;
    }

    private void startDiagnostics() {
        if (!layerStats) return;
        for (dev.stride.nn.Module m : modules().values()) {
            if (m instanceof dev.stride.nn.Activation a && a.isRelu()) a.resetDeadTracking();
            if (m instanceof dev.stride.nn.Activation a) a.trackDead(true);
        }
    }

    private void endDiagnostics() {
        if (!layerStats) return;
        Map<String, Double> dead = new LinkedHashMap<>();
        Map<String, Double> radii = new LinkedHashMap<>();
        modules().forEach((name, m) -> {
            if (m instanceof dev.stride.nn.Activation a && a.isRelu()) {
                double f = a.deadFraction();
                a.trackDead(false);
                a.resetDeadTracking();
                if (Double.isNaN(f)) return;
                dead.put(name, f);
                if (f > DEAD_RELU_WARNING) {
                    LOG.warn("epoch {}: {}% of the units of ReLU '{}' were zero for every sample; they no longer learn "
                            + "(a learning rate too high for this initialization kills them)", epochsDone + 1,
                            Math.round(100 * f), name);
                }
            }
            if (m instanceof dev.stride.nn.Recurrent r) {
                for (int k = 0; k < r.layers(); k++) radii.put(r.layers() == 1 ? name : name + ".l" + k, r.spectralRadius(k));
            }
        });
        deadRelus = dead;
        spectralRadii = radii;
    }

    /** Reduces rates when the metric given to {@link #endEpoch} stops improving. */
    public Trainer plateau(ReduceOnPlateau p) {
        plateau = p;
        return this;
    }

    /** The callbacks, in order. */
    public java.util.List<Callback> callbackList() {
        return java.util.List.copyOf(callbacks);
    }

    /** Adds callbacks, called in order. */
    public Trainer callbacks(Callback... cs) {
        callbacks.addAll(java.util.List.of(cs));
        return this;
    }

    /**
     * Every {@code every} steps (0: never), measures the global gradient norm and the update/weight ratio
     * ‖Δw‖/‖w‖ and warns when the ratio is far from ~1e-3 (below 1e-5 or above 1e-1). Both are computed on the
     * backend and read with the next step's loss (or at the end of the epoch), so monitoring adds no host sync.
     */
    public Trainer monitor(int every) {
        monitorEvery = every;
        return this;
    }

    public double lastGradNorm() {
        return lastGradNorm;
    }

    public double lastUpdateRatio() {
        return lastUpdateRatio;
    }

    /** Clips the global gradient norm to {@code maxNorm} before each step (0 turns it off). */
    public Trainer clipNorm(double maxNorm) {
        clipNorm = maxNorm;
        return this;
    }

    public long step() {
        return step;
    }

    /** The learning-rate schedule, or null. */
    public Schedule schedule() {
        return schedule;
    }

    public int epochsDone() {
        return epochsDone;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    private void applySchedule(long t) {
        for (int i = 0; i < optimizer.groups().size(); i++) {
            Optimizer.Group g = optimizer.groups().get(i);
            if (schedule != null) optimizer.setLearningRate(i, (float) schedule.lr(g.baseLr(), t));
            if (momentumSchedule != null) optimizer.setMomentum(i, (float) momentumSchedule.lr(g.baseMomentum(), t));
        }
    }

    /**
     * Trains epoch {@link #epochsDone()} (from 0) and counts it done. Each step runs in its own {@link MemoryScope},
     * so nothing it made outlives it but gradients, optimizer state and the metrics, and it reads from the backend
     * once: the loss, for the divergence guard (with the monitor's numbers of an earlier step, when there are any).
     * The correct-prediction count accumulates on the backend and is read when the epoch ends.
     */
    public EpochStats trainEpoch(DataLoader loader, Listener listener) {
        int epoch = epochsDone;
        model.train();
        startDiagnostics();
        if (!schedulePerStep) applySchedule(epoch);
        double lossSum = 0;
        long samples = 0;
        int batches = loader.batchesPerEpoch();
        int b = 0;
        long start = System.nanoTime();
        // Inside the timed epoch: whatever of the backend's warm-up is left counts as training time.
        loader.backend().expect(spatialOps);
        loader.backend().ready();
        Tensor correct = null;
        try {
            Iterator<DataLoader.Batch> batchIterator = loader.epoch(epoch).iterator();
            while (batchIterator.hasNext()) {
                float value;
                int size;
                try (MemoryScope scope = MemoryScope.open()) {
                    DataLoader.Batch batch = batchIterator.next();
                    size = batch.size();
                    if (schedulePerStep) applySchedule(step);
                    boolean perLayer = layerStats && b == batches - 1;
                    if (perLayer) captureTimeGradients();
                    Tensor out = model.forward(batch.inputs());
                    Tensor l = loss.apply(out, batch.labels());
                    value = readLossAndMonitor(l);
                    guard(value, epoch, b, batches);
                    optimizer.zeroGrad();
                    l.backward();
                    if (clipNorm > 0) Clip.gradNorm(optimizer.parameters(), clipNorm);
                    boolean monitored = monitorEvery > 0 && step % monitorEvery == 0;
                    Tensor[] before = monitored || perLayer ? snapshot() : null;
                    Tensor gradSq = monitored ? Clip.sumOfSquares(optimizer.parameters()) : null;
                    Map<String, java.util.List<Integer>> layers = perLayer ? layers() : null;
                    Tensor layerGrads = perLayer ? layerGradSquares(layers) : null;
                    optimizer.step();
                    if (monitored) pendingMonitor = updateNumbers(gradSq, before);
                    if (perLayer) {
                        lastLayerStats = layerNumbers(layers, layerGrads, before);
                        timeGradients = readTimeGradients();
                    }
                    step++;
                    for (Callback c : callbacks) c.stepEnd(this);
                    correct = accumulate(correct, countCorrect(out.detach(), batch.labels()));
                }
                lossSum += (double) value * size;
                samples += size;
                listener.batchEnd(epoch, ++b, batches, value);
            }
            float[] end;
            try (MemoryScope scope = MemoryScope.open()) {
                end = readWithMonitor(correct == null ? Tensor.zeros(loader.backend()) : correct);
            }
            endDiagnostics();
            epochsDone++;
            double seconds = (System.nanoTime() - start) / 1e9;
            return new EpochStats(epoch, lossSum / samples, (double) end[0] / samples, samples, seconds);
        } finally {
            if (correct != null) correct.close();
        }
    }

    /** {@code sum + x}, kept beyond the step's scope (the old sum is closed). */
    private static Tensor accumulate(Tensor sum, Tensor x) {
        Tensor next = (sum == null ? x : sum.add(x)).persist();
        if (sum != null && sum != next) sum.close();
        return next;
    }

    private float readLossAndMonitor(Tensor l) {
        if (l.numel() != 1) throw new IllegalArgumentException("Trainer: the loss must be a scalar, got " + java.util.Arrays.toString(l.shape()));
        return readWithMonitor(l)[0];
    }

    /**
     * Reads {@code first} (one element) in one host sync, together with the monitor's numbers from an earlier step
     * when they wait; those are then logged. Returns {@code first}'s value first.
     */
    private float[] readWithMonitor(Tensor first) {
        if (pendingMonitor == null) return first.toFloatArray();
        float[] v = Tensor.cat(0, first.reshape(1), pendingMonitor).toFloatArray();
        pendingMonitor.close();
        pendingMonitor = null;
        reportMonitor(v[1], v[2], v[3]);
        return v;
    }

    /** Stops on a non-finite loss, or one above 3x the run's first loss, before its step is applied. */
    private void guard(float value, int epoch, int b, int batches) {
        if (!Float.isFinite(value)) throw diverged("loss became " + value, epoch, b, batches);
        if (Double.isNaN(firstLoss)) {
            firstLoss = value;
        } else if (value > 3 * firstLoss) {
            throw diverged("loss " + value + " exceeded 3x its first value " + (float) firstLoss, epoch, b, batches);
        }
    }

    /** Built only when a step fails: formatting the learning rate every step showed in the first steps' profile. */
    private TrainingDivergedException diverged(String what, int epoch, int b, int batches) {
        return new TrainingDivergedException(what + " at step " + (step + 1) + " (epoch " + (epoch + 1) + ", batch " + (b + 1)
                + " of " + batches + ", learning rate " + optimizer.learningRate() + "); stopped before applying it", step + 1);
    }

    private Tensor[] snapshot() {
        try (NoGrad ignored = NoGrad.enter()) {
            java.util.List<Tensor> ps = optimizer.parameters();
            Tensor[] out = new Tensor[ps.size()];
            for (int i = 0; i < out.length; i++) out[i] = ps.get(i).detach().clone();
            return out;
        }
    }

    /** The optimizer's parameters grouped by layer name (the dotted name without its last part), in model order. */
    private Map<String, java.util.List<Integer>> layers() {
        Map<Tensor, String> names = new java.util.IdentityHashMap<>();
        model.namedParameters().forEach((k, t) -> names.put(t, k.contains(".") ? k.substring(0, k.lastIndexOf('.')) : k));
        Map<String, java.util.List<Integer>> out = new java.util.LinkedHashMap<>();
        java.util.List<Tensor> ps = optimizer.parameters();
        for (int i = 0; i < ps.size(); i++) {
            out.computeIfAbsent(names.getOrDefault(ps.get(i), "param" + i), k -> new java.util.ArrayList<>()).add(i);
        }
        return out;
    }

    /** Σg² of each layer's parameters, as one tensor in {@link #layers()} order (a layer without gradients gives 0). */
    private Tensor layerGradSquares(Map<String, java.util.List<Integer>> layers) {
        try (NoGrad ignored = NoGrad.enter()) {
            java.util.List<Tensor> ps = optimizer.parameters();
            java.util.List<Tensor> sums = new java.util.ArrayList<>();
            for (java.util.List<Integer> idx : layers.values()) {
                java.util.List<Tensor> grads = new java.util.ArrayList<>();
                for (int i : idx) {
                    if (ps.get(i).grad() != null) grads.add(ps.get(i));
                }
                sums.add(grads.isEmpty() ? Tensor.zeros(ps.get(0).backend(), 1) : Clip.sumOfSquares(grads).reshape(1));
            }
            return Tensor.cat(0, sums.toArray(new Tensor[0]));
        }
    }

    /** Each layer's gradient norm and update ratio, read in one host sync. */
    private Map<String, LayerStat> layerNumbers(Map<String, java.util.List<Integer>> layers, Tensor gradSq, Tensor[] before) {
        float[] g;
        float[] dw;
        try (NoGrad ignored = NoGrad.enter()) {
            java.util.List<Tensor> ps = optimizer.parameters();
            java.util.List<Tensor> parts = new java.util.ArrayList<>();
            for (java.util.List<Integer> idx : layers.values()) {
                Tensor d = null;
                Tensor w = null;
                for (int i : idx) {
                    Tensor di = ps.get(i).detach().sub(before[i]).square().sum();
                    Tensor wi = before[i].square().sum();
                    d = d == null ? di : d.add(di);
                    w = w == null ? wi : w.add(wi);
                }
                parts.add(d.reshape(1));
                parts.add(w.reshape(1));
            }
            parts.add(gradSq);
            float[] all = Tensor.cat(0, parts.toArray(new Tensor[0])).toFloatArray();
            dw = java.util.Arrays.copyOf(all, 2 * layers.size());
            g = java.util.Arrays.copyOfRange(all, 2 * layers.size(), all.length);
        }
        Map<String, LayerStat> out = new java.util.LinkedHashMap<>();
        int k = 0;
        for (String name : layers.keySet()) {
            out.put(name, new LayerStat(Math.sqrt(g[k]), Math.sqrt(dw[2 * k]) / Math.max(Math.sqrt(dw[2 * k + 1]), 1e-12)));
            k++;
        }
        return out;
    }

    /** [Σ g², Σ Δw², Σ w²] on the backend, kept until the next read; the step it belongs to is remembered. */
    private Tensor updateNumbers(Tensor gradSq, Tensor[] before) {
        try (NoGrad ignored = NoGrad.enter()) {
            java.util.List<Tensor> ps = optimizer.parameters();
            Tensor delta = null;
            Tensor norm = null;
            for (int i = 0; i < before.length; i++) {
                Tensor d = ps.get(i).detach().sub(before[i]).square().sum();
                Tensor w = before[i].square().sum();
                delta = delta == null ? d : delta.add(d);
                norm = norm == null ? w : norm.add(w);
            }
            monitoredStep = step + 1;
            return Tensor.cat(0, gradSq.reshape(1), delta.reshape(1), norm.reshape(1)).persist();
        }
    }

    private void reportMonitor(double gradSq, double deltaSq, double normSq) {
        lastGradNorm = Math.sqrt(gradSq);
        lastUpdateRatio = Math.sqrt(deltaSq) / Math.max(Math.sqrt(normSq), 1e-12);
        if (lastUpdateRatio < 1e-5 || lastUpdateRatio > 1e-1) {
            LOG.warn("step {}: update/weight ratio {} is far from ~1e-3 (gradient norm {}); the learning rate may be {}",
                    monitoredStep, String.format("%.2e", lastUpdateRatio), String.format("%.3g", lastGradNorm),
                    lastUpdateRatio > 1e-1 ? "too high" : "too low");
        }
    }

    /**
     * Trains until {@code epochs} epochs are done or a callback asks to stop, evaluating on {@code validation}
     * after each epoch (which also feeds the plateau rule and the callbacks). Returns the last epoch's numbers.
     */
    public Evaluation fit(DataLoader loader, Dataset validation, int epochs, Listener listener,
                          java.util.function.BiConsumer<EpochStats, Evaluation> onEpoch) throws java.io.IOException {
        Evaluation eval = null;
        try {
            while (epochsDone < epochs) {
                EpochStats stats = trainEpoch(loader, listener);
                // Evaluated in training-sized batches: a fixed 1000 ran a small heap out of memory where training fit.
                eval = evaluate(model, validation, loader.batchSize(), loader.backend(), loss);
                endEpoch(eval.loss());
                if (onEpoch != null) onEpoch.accept(stats, eval);
                boolean stop = false;
                for (Callback c : callbacks) {
                    c.epochEnd(this, stats, eval);
                    stop |= c.shouldStop();
                }
                if (stop) break;
            }
        } catch (RuntimeException | java.io.IOException e) {
            for (Callback c : callbacks) {
                try {
                    c.trainEnd(this);
                } catch (java.io.IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        for (Callback c : callbacks) c.trainEnd(this);
        return eval;
    }

    /** Feeds the epoch's validation metric to the plateau rule, if any. */
    public void endEpoch(double metric) {
        if (plateau != null) plateau.step(metric, optimizer);
    }

    /** Counters and plateau state, for checkpoints. */
    public Map<String, Double> scalars() {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("step", (double) step);
        s.put("epochs_done", (double) epochsDone);
        s.put("first_loss", firstLoss);
        if (plateau != null) plateau.state().forEach((k, v) -> s.put("plateau." + k, v));
        return s;
    }

    /** Throws naming the first counter a checkpoint could not have written (negative, fractional or not finite). */
    public static void checkScalars(Map<String, Double> s) {
        for (String k : new String[] {"step", "epochs_done"}) {
            Double v = s.get(k);
            if (v != null && !(v >= 0 && v == Math.rint(v) && v < Integer.MAX_VALUE)) {
                throw new IllegalArgumentException("impossible trainer state: " + k + " = " + v);
            }
        }
    }

    public void loadScalars(Map<String, Double> s) {
        step = s.getOrDefault("step", 0.0).longValue();
        epochsDone = s.getOrDefault("epochs_done", 0.0).intValue();
        firstLoss = s.getOrDefault("first_loss", Double.NaN);
        if (plateau == null) return;
        Map<String, Double> p = new LinkedHashMap<>();
        s.forEach((k, v) -> {
            if (k.startsWith("plateau.")) p.put(k.substring("plateau.".length()), v);
        });
        plateau.loadState(p);
    }

    /**
     * Mean loss (NaN without a loss function), accuracy and top-5 accuracy of {@code model}, in eval mode, on
     * {@code data}. The sums accumulate on the backend and are read once, at the end.
     */
    public static Evaluation evaluate(Module model, Dataset data, int batchSize, Backend backend,
                                      BiFunction<Tensor, Tensor, Tensor> loss) {
        boolean wasTraining = model.isTraining();
        model.eval();
        Tensor sums = null;
        try (NoGrad ignored = NoGrad.enter()) {
            DataLoader loader = new DataLoader(data, batchSize, false, 0, false, backend);
            Iterator<DataLoader.Batch> batches = loader.epoch(0).iterator();
            while (batches.hasNext()) {
                try (MemoryScope scope = MemoryScope.open()) {
                    DataLoader.Batch batch = batches.next();
                    Tensor out = model.forward(batch.inputs());
                    Tensor l = loss == null ? Tensor.zeros(backend) : loss.apply(out, batch.labels()).mul(batch.size());
                    Tensor batchSums = Tensor.cat(0, countCorrect(out, batch.labels()).reshape(1),
                            countTopK(out, batch.labels(), 5).reshape(1), l.reshape(1));
                    sums = accumulate(sums, batchSums);
                }
            }
            float[] v = sums == null ? new float[3] : sums.toFloatArray();
            int n = Math.max(data.size(), 1);
            return new Evaluation(loss == null ? Double.NaN : (double) v[2] / n, (double) v[0] / n, (double) v[1] / n);
        } finally {
            if (sums != null) sums.close();
            if (wasTraining) model.train();
        }
    }

    /** Classification accuracy of {@code model} (in eval mode) on {@code data}. */
    public static double accuracy(Module model, Dataset data, int batchSize, Backend backend) {
        return evaluate(model, data, batchSize, backend, null).accuracy();
    }

    /** Samples whose label scores below fewer than k others, as a one-element tensor. */
    private static Tensor countTopK(Tensor logits, Tensor labels, int k) {
        Tensor target = logits.gatherRows(labels).reshape(labels.dim(0), 1);
        return logits.gt(target).sum(1, false).lt(k).sum();
    }

    /** Samples whose first highest score is their label's, as a one-element tensor. */
    private static Tensor countCorrect(Tensor logits, Tensor labels) {
        return logits.argmax(1, false).to(DType.F32).eq(labels.to(DType.F32)).sum();
    }
}

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
import dev.stride.tensor.Tensor;
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
    private final Optimizer optimizer;
    private final BiFunction<Tensor, Tensor, Tensor> loss;
    private Schedule schedule;
    private boolean schedulePerStep;
    private ReduceOnPlateau plateau;
    private double clipNorm;
    private long step;
    private int epochsDone;
    private double firstLoss = Double.NaN;
    private final java.util.List<Callback> callbacks = new java.util.ArrayList<>();
    private int monitorEvery = 100;
    private double lastGradNorm = Double.NaN;
    private double lastUpdateRatio = Double.NaN;
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

    /** Loss, accuracy and top-5 accuracy (label among the five highest scores) of a model on a dataset. */
    public record Evaluation(double loss, double accuracy, double top5) {}

    /** {@code loss} maps (model output, labels) to a scalar. */
    public Trainer(Module model, Optimizer optimizer, BiFunction<Tensor, Tensor, Tensor> loss) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
    }

    /** Sets the rate of every group to {@code schedule(group base rate, t)}, t counting steps or epochs from 0. */
    public Trainer schedule(Schedule s, boolean perStep) {
        schedule = s;
        schedulePerStep = perStep;
        return this;
    }

    /** Reduces rates when the metric given to {@link #endEpoch} stops improving. */
    public Trainer plateau(ReduceOnPlateau p) {
        plateau = p;
        return this;
    }

    /** Adds callbacks, called in order. */
    public Trainer callbacks(Callback... cs) {
        callbacks.addAll(java.util.List.of(cs));
        return this;
    }

    /**
     * Every {@code every} steps (0: never), measures the global gradient norm and the update/weight ratio
     * ‖Δw‖/‖w‖ and warns when the ratio is far from ~1e-3 (below 1e-5 or above 1e-1).
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
        if (schedule == null) return;
        for (int i = 0; i < optimizer.groups().size(); i++) {
            optimizer.setLearningRate(i, (float) schedule.lr(optimizer.groups().get(i).baseLr(), t));
        }
    }

    /** Trains epoch {@link #epochsDone()} (from 0) and counts it done. */
    public EpochStats trainEpoch(DataLoader loader, Listener listener) {
        int epoch = epochsDone;
        model.train();
        if (!schedulePerStep) applySchedule(epoch);
        double lossSum = 0;
        long correct = 0;
        long samples = 0;
        int batches = loader.batchesPerEpoch();
        int b = 0;
        long start = System.nanoTime();
        for (DataLoader.Batch batch : loader.epoch(epoch)) {
            if (schedulePerStep) applySchedule(step);
            Tensor out = model.forward(batch.inputs());
            Tensor l = loss.apply(out, batch.labels());
            float value = l.item();
            guard(value, epoch, b, batches);
            optimizer.zeroGrad();
            l.backward();
            if (clipNorm > 0) Clip.gradNorm(optimizer.parameters(), clipNorm);
            boolean monitored = monitorEvery > 0 && step % monitorEvery == 0;
            java.util.List<float[]> before = monitored ? snapshot() : null;
            if (monitored) lastGradNorm = gradNorm();
            optimizer.step();
            if (monitored) updateRatio(before);
            step++;
            for (Callback c : callbacks) c.stepEnd(this);
            lossSum += (double) value * batch.size();
            correct += countCorrect(out, batch.labels());
            samples += batch.size();
            listener.batchEnd(epoch, ++b, batches, value);
        }
        epochsDone++;
        double seconds = (System.nanoTime() - start) / 1e9;
        return new EpochStats(epoch, lossSum / samples, (double) correct / samples, samples, seconds);
    }

    /** Stops on a non-finite loss, or one above 3x the run's first loss, before its step is applied. */
    private void guard(float value, int epoch, int b, int batches) {
        String where = " at step " + (step + 1) + " (epoch " + (epoch + 1) + ", batch " + (b + 1) + " of " + batches
                + ", learning rate " + optimizer.learningRate() + "); stopped before applying it";
        if (!Float.isFinite(value)) throw new TrainingDivergedException("loss became " + value + where, step + 1);
        if (Double.isNaN(firstLoss)) {
            firstLoss = value;
        } else if (value > 3 * firstLoss) {
            throw new TrainingDivergedException("loss " + value + " exceeded 3x its first value " + (float) firstLoss + where, step + 1);
        }
    }

    private java.util.List<float[]> snapshot() {
        java.util.List<float[]> out = new java.util.ArrayList<>();
        for (Tensor p : optimizer.parameters()) out.add(p.toFloatArray());
        return out;
    }

    private double gradNorm() {
        double sq = 0;
        for (Tensor p : optimizer.parameters()) {
            if (p.grad() == null) continue;
            for (float g : p.grad().toFloatArray()) sq += (double) g * g;
        }
        return Math.sqrt(sq);
    }

    private void updateRatio(java.util.List<float[]> before) {
        double delta = 0;
        double norm = 0;
        java.util.List<Tensor> ps = optimizer.parameters();
        for (int i = 0; i < ps.size(); i++) {
            float[] now = ps.get(i).toFloatArray();
            float[] was = before.get(i);
            for (int k = 0; k < now.length; k++) {
                delta += (double) (now[k] - was[k]) * (now[k] - was[k]);
                norm += (double) was[k] * was[k];
            }
        }
        lastUpdateRatio = Math.sqrt(delta) / Math.max(Math.sqrt(norm), 1e-12);
        if (lastUpdateRatio < 1e-5 || lastUpdateRatio > 1e-1) {
            LOG.warn("step {}: update/weight ratio {} is far from ~1e-3 (gradient norm {}); the learning rate may be {}",
                    step + 1, String.format("%.2e", lastUpdateRatio), String.format("%.3g", lastGradNorm),
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
        while (epochsDone < epochs) {
            EpochStats stats = trainEpoch(loader, listener);
            eval = evaluate(model, validation, 1000, loader.backend(), loss);
            endEpoch(eval.loss());
            if (onEpoch != null) onEpoch.accept(stats, eval);
            boolean stop = false;
            for (Callback c : callbacks) {
                c.epochEnd(this, stats, eval);
                stop |= c.shouldStop();
            }
            if (stop) break;
        }
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

    /** Mean loss (NaN without a loss function) and classification accuracy of {@code model}, in eval mode, on {@code data}. */
    public static Evaluation evaluate(Module model, Dataset data, int batchSize, Backend backend,
                                      BiFunction<Tensor, Tensor, Tensor> loss) {
        boolean wasTraining = model.isTraining();
        model.eval();
        long correct = 0;
        long top5 = 0;
        double lossSum = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            DataLoader loader = new DataLoader(data, batchSize, false, 0, false, backend);
            for (DataLoader.Batch batch : loader.epoch(0)) {
                Tensor out = model.forward(batch.inputs());
                correct += countCorrect(out, batch.labels());
                top5 += countTopK(out, batch.labels(), 5);
                lossSum += loss == null ? Double.NaN : (double) loss.apply(out, batch.labels()).item() * batch.size();
            }
        } finally {
            if (wasTraining) model.train();
        }
        int n = Math.max(data.size(), 1);
        return new Evaluation(lossSum / n, (double) correct / n, (double) top5 / n);
    }

    /** Classification accuracy of {@code model} (in eval mode) on {@code data}. */
    public static double accuracy(Module model, Dataset data, int batchSize, Backend backend) {
        return evaluate(model, data, batchSize, backend, null).accuracy();
    }

    /** Samples whose label scores above all but fewer than k others. */
    private static long countTopK(Tensor logits, Tensor labels, int k) {
        float[] s = logits.toFloatArray();
        int[] y = labels.toIntArray();
        int c = logits.dim(1);
        long hits = 0;
        for (int i = 0; i < y.length; i++) {
            float target = s[i * c + y[i]];
            int above = 0;
            for (int j = 0; j < c; j++) if (s[i * c + j] > target) above++;
            if (above < k) hits++;
        }
        return hits;
    }

    private static long countCorrect(Tensor logits, Tensor labels) {
        int[] pred = logits.detach().argmax(1, false).toIntArray();
        int[] y = labels.toIntArray();
        long c = 0;
        for (int i = 0; i < y.length; i++) if (pred[i] == y[i]) c++;
        return c;
    }
}

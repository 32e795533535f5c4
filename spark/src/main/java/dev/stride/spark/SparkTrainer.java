package dev.stride.spark;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.data.Dataset;
import dev.stride.nn.Module;
import dev.stride.optim.Clip;
import dev.stride.optim.Optimizer;
import dev.stride.optim.OptimizerSpec;
import dev.stride.optim.ParamGroup;
import dev.stride.optim.schedule.Schedule;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.TrainingDivergedException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * Data-parallel training of a classifier (softmax cross-entropy) on a Spark cluster.
 *
 * <p>The training set is an RDD of {@code partitions} contiguous shards, each loaded by its executor from
 * {@link TrainingData} and cached there. Every shard visits its samples in its own seeded order, and step {@code s}
 * of an epoch takes batch {@code s} ({@code batchSize / partitions} samples) from every shard: the global batch is
 * their concatenation, in partition order.
 *
 * <p>Synchronous mode ({@code averageEvery == 1}): the driver broadcasts its weights, each partition returns the
 * gradient of its batch times its size, {@code treeAggregate} sums them, and the driver divides by the global batch
 * and applies its optimizer. That is the gradient of the mean loss over the global batch, so the training is the one
 * a single process would do on the same batches, up to the order of float additions. Models with batch norm
 * normalize each partition's batch by its own statistics (as PyTorch's DistributedDataParallel does without
 * SyncBatchNorm); running statistics are averaged.
 *
 * <p>Parameter averaging ({@code averageEvery = K > 1}): each partition takes K local steps from the broadcast
 * weights and optimizer state, and the driver averages what comes back, weighted by samples.
 *
 * <p>A failed task is retried by Spark ({@code spark.task.maxFailures}; {@code local[N, F]} in local mode) and
 * computes the same result: its batch, its dropout masks and the weights it starts from depend only on the step.
 * With two partitions a run is reproducible bit for bit; with more, {@code treeAggregate} adds the partitions' sums
 * in the order their tasks finish, so the last bits can differ from run to run.
 */
public final class SparkTrainer implements AutoCloseable {
    /** Builds the model on each executor (and once on the driver); the driver's weights replace its initialization. */
    public interface ModelFactory extends Serializable {
        Module create();
    }

    /**
     * Where the time went, over the jobs after the first (which also loads the shards and warms the executors up): the
     * slowest partition's compute per step, and per job (one per step, or per averaging round) the driver's update
     * and the rest, Spark's part: scheduling, broadcast, serialization, aggregation. Bytes are what one partition
     * sends per job in each mode: gradients and buffers (sync), or weights, buffers and optimizer state (averaging).
     */
    public record Timing(long steps, long jobs, double computePerStep, double applyPerJob, double overheadPerJob,
                         long syncBytes, long averagingBytes) {
        public double stepSeconds() {
            return jobs == 0 ? 0 : computePerStep + (applyPerJob + overheadPerJob) * jobs / steps;
        }

        public ScalingModel scaling() {
            return new ScalingModel(computePerStep, applyPerJob, overheadPerJob, syncBytes, averagingBytes);
        }
    }

    public record EpochStats(int epoch, double loss, double accuracy, long samples, double seconds) {}

    public interface Listener {
        void stepEnd(int epoch, int step, int steps, double loss);
    }

    private final JavaSparkContext sc;
    private final Module model;
    private final Optimizer optimizer;
    private final Backend backend;
    private final JavaRDD<Shard> shards;
    private final int steps;
    private final int averageEvery;
    private final float[] baseLr;
    private Schedule schedule;
    private boolean schedulePerStep;
    private double clipNorm;
    private Job job;
    private long version;
    private long timedSteps;
    private long timedJobs;
    private long jobNanos;
    private long computeNanos;
    private long applyNanos;
    private boolean warm;

    /**
     * Checks everything on the driver before a job runs: the batch splits evenly over the partitions, every partition
     * gets samples, and the model takes the data's samples and scores its classes.
     */
    public SparkTrainer(JavaSparkContext sc, ModelFactory factory, OptimizerSpec spec, TrainingData data, int partitions,
                        int batchSize, int averageEvery, long seed) throws IOException {
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        if (batchSize < partitions || batchSize % partitions != 0) {
            throw new IllegalArgumentException("batch size " + batchSize + " does not split evenly over " + partitions
                    + " partitions");
        }
        if (averageEvery < 1) throw new IllegalArgumentException("averageEvery must be >= 1, got " + averageEvery);
        Dataset all = data.load();
        if (all.size() < partitions) {
            throw new IllegalArgumentException(all.size() + " training samples cannot fill " + partitions + " partitions");
        }
        this.sc = sc;
        this.averageEvery = averageEvery;
        this.model = factory.create();
        this.backend = model.parameters().get(0).backend();
        checkFits(model, all, backend);
        this.optimizer = spec.create(List.of(ParamGroup.of(model.parameters())));
        this.baseLr = new float[optimizer.groups().size()];
        for (int i = 0; i < baseLr.length; i++) baseLr[i] = optimizer.groups().get(i).baseLr();
        int largest = Shard.of(all, 0, partitions).size();
        for (int p = 1; p < partitions; p++) largest = Math.max(largest, Shard.of(all, p, partitions).size());
        int local = batchSize / partitions;
        this.steps = (largest + local - 1) / local;
        this.job = new Job(UUID.randomUUID().toString(), factory, spec, seed, local, -1, -1);
        List<Integer> ids = new ArrayList<>();
        for (int p = 0; p < partitions; p++) ids.add(p);
        int n = partitions;
        this.shards = sc.parallelize(ids, partitions).map(p -> Shard.of(data.load(), p, n)).persist(StorageLevel.MEMORY_ONLY());
    }

    /** A forward pass of two samples on the driver: the model must take the samples and score at least every class. */
    static void checkFits(Module model, Dataset data, Backend be) {
        Dataset two = data.range(0, Math.min(2, data.size()));
        int[] shape = data.batchShape(two.size());
        int[] out;
        boolean training = model.isTraining();
        model.eval();
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
            out = model.forward(Tensor.of(be, two.features(), shape)).shape();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the model does not fit the data (samples of shape "
                    + Shape.str(data.sampleShape()) + "): " + e.getMessage(), e);
        } finally {
            if (training) model.train();
        }
        if (out.length != 2 || out[1] < data.classes()) {
            throw new IllegalArgumentException("the model does not fit the data: it maps samples of shape "
                    + Shape.str(data.sampleShape()) + " to " + Shape.str(out) + ", but the labels need [N, "
                    + data.classes() + "] scores");
        }
    }

    /** The learning rate follows {@code s}, per step or per epoch. */
    public SparkTrainer schedule(Schedule s, boolean perStep) {
        this.schedule = s;
        this.schedulePerStep = perStep;
        return this;
    }

    /** Clips the global gradient norm before each synchronous step (not available with parameter averaging). */
    public SparkTrainer clipNorm(double maxNorm) {
        if (maxNorm > 0 && averageEvery > 1) throw new IllegalArgumentException("gradient clipping needs synchronous steps (averageEvery 1)");
        this.clipNorm = maxNorm;
        return this;
    }

    /** Test hook: the first attempt of the task for {@code globalStep} (0-based) on {@code partition} throws. */
    SparkTrainer failOnce(long globalStep, int partition) {
        job = new Job(job.id(), job.model(), job.optimizer(), job.seed(), job.localBatch(), globalStep, partition);
        return this;
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public int stepsPerEpoch() {
        return steps;
    }

    /** Epochs done so far, from the optimizer's step count (so a restored checkpoint resumes where it stopped). */
    public int epochsDone() {
        return (int) (optimizer.stepCount() / steps);
    }

    public Timing timing() {
        long stateBytes = 0;
        for (Tensor t : model.stateDict().values()) stateBytes += 4 * t.numel();
        long optimizerBytes = 0;
        for (Tensor p : model.parameters()) optimizerBytes += 4 * p.numel() * optimizerSlots();
        double steps = Math.max(timedSteps, 1) * 1e9;
        double jobs = Math.max(timedJobs, 1) * 1e9;
        return new Timing(timedSteps, timedJobs, computeNanos / steps, applyNanos / jobs,
                (jobNanos - computeNanos - applyNanos) / jobs, stateBytes, stateBytes + optimizerBytes);
    }

    /** Buffers per parameter that the optimizer keeps (Adam 2, momentum 1, SGD 0), counted on a parameter. */
    private int optimizerSlots() {
        int per = 0;
        for (String k : optimizer.stateTensors().keySet()) {
            if (k.startsWith("0.") && !k.equals("0.step")) per++;
        }
        return per;
    }

    private float rate(int group, long globalStep, int epoch) {
        return schedule == null ? baseLr[group] : (float) schedule.lr(baseLr[group], schedulePerStep ? globalStep : epoch);
    }

    /** Trains epoch {@link #epochsDone()}; a diverged step throws before it changes the model. */
    public EpochStats trainEpoch(Listener listener) {
        int epoch = epochsDone();
        long start = System.nanoTime();
        double lossSum = 0;
        long count = 0;
        long correct = 0;
        for (int s = 0; s < steps; s += averageEvery) {
            int k = Math.min(averageEvery, steps - s);
            long global = (long) epoch * steps + s;
            Partial p = averageEvery == 1 ? syncStep(epoch, s, global) : averagingRound(epoch, s, k, global);
            lossSum += p.lossSum();
            count += p.count();
            correct += p.correct();
            listener.stepEnd(epoch, s + k, steps, p.lossSum() / p.count());
        }
        return new EpochStats(epoch, lossSum / count, (double) correct / count, count, (System.nanoTime() - start) / 1e9);
    }

    private Broadcast<Snapshot> broadcast(boolean withOptimizer) {
        HostTensors state = new HostTensors().with("model.", HostTensors.read(model.stateDict()));
        if (withOptimizer) state.with("optim.", HostTensors.read(optimizer.stateTensors()));
        return sc.broadcast(new Snapshot(++version, state, withOptimizer ? optimizer.scalars() : Map.of()));
    }

    private Partial syncStep(int epoch, int s, long global) {
        long t0 = System.nanoTime();
        Partial p = runJob(epoch, s, global, null);
        long t1 = System.nanoTime();
        HostTensors mean = p.sums().scale(1f / p.count());
        try (MemoryScope scope = MemoryScope.open()) {
            Map<String, Tensor> grads = mean.under("grad.").tensors(backend);
            Map<String, Tensor> buffers = mean.under("buf.").tensors(backend);
            for (int g = 0; g < baseLr.length; g++) optimizer.setLearningRate(g, rate(g, global, epoch));
            model.namedParameters().forEach((name, param) -> param.setGrad(grads.get(name)));
            if (clipNorm > 0) Clip.gradNorm(optimizer.parameters(), clipNorm);
            optimizer.step();
            optimizer.zeroGrad();
            if (!buffers.isEmpty()) model.loadStateDict(buffers, false, java.util.function.UnaryOperator.identity());
        }
        time(t0, t1, p, 1);
        return p;
    }

    private Partial averagingRound(int epoch, int s, int k, long global) {
        long t0 = System.nanoTime();
        float[] rates = new float[k];
        for (int i = 0; i < k; i++) rates[i] = rate(0, global + i, epoch);
        Partial p = runJob(epoch, s, global, rates);
        long t1 = System.nanoTime();
        HostTensors mean = p.sums().scale(1f / p.count());
        Map<String, Double> scalars = new java.util.LinkedHashMap<>(optimizer.scalars());
        scalars.put("steps", (double) (optimizer.stepCount() + k));
        for (int g = 0; g < baseLr.length; g++) scalars.put("lr." + g, (double) rates[k - 1]);
        try (MemoryScope scope = MemoryScope.open()) {
            Map<String, Tensor> optimState = mean.under("optim.").tensors(backend);
            Map<String, Tensor> weights = mean.under("model.").tensors(backend);
            optimizer.checkState(optimState);
            model.checkStateDict(weights);
            model.loadStateDict(weights);
            optimizer.loadState(optimState, scalars);
        }
        time(t0, t1, p, k);
        return p;
    }

    private static void diverged(Partial p, long global, int epoch, int s) {
        double loss = p.lossSum() / p.count();
        if (!Double.isFinite(loss)) {
            throw new TrainingDivergedException("loss became " + loss + " at step " + (global + 1) + " (epoch " + (epoch + 1)
                    + ", step " + (s + 1) + "); stopped before applying it", global + 1);
        }
    }

    /** Accumulates the times of a job of {@code steps} steps, from the second job on. */
    private void time(long t0, long t1, Partial p, int steps) {
        if (!warm) {
            warm = true;
            return;
        }
        timedSteps += steps;
        timedJobs++;
        jobNanos += System.nanoTime() - t0;
        computeNanos += p.computeNanos();
        applyNanos += System.nanoTime() - t1;
    }

    /**
     * One job: broadcasts the driver's state (with the optimizer's for an averaging round, {@code rates != null}),
     * runs every partition's task and sums what they return; throws on a non-finite loss before anything changes.
     */
    private Partial runJob(int epoch, int s, long global, float[] rates) {
        Broadcast<Snapshot> bc = broadcast(rates != null);
        try {
            Partial p = shards.mapPartitions(new Task(job, bc, version, epoch, s, global, rates))
                    .treeAggregate(Partial.EMPTY, MERGE, MERGE, 2);
            diverged(p, global, epoch, s);
            return p;
        } finally {
            bc.destroy();
        }
    }

    /** One partition's work for a step ({@code rates == null}) or an averaging round of {@code rates.length} steps. */
    private record Task(Job job, Broadcast<Snapshot> bc, long version, int epoch, int step, long global, float[] rates)
            implements FlatMapFunction<Iterator<Shard>, Partial> {
        @Override
        public Iterator<Partial> call(Iterator<Shard> it) {
            Shard shard = it.next();
            return Collections.singletonList(rates == null
                    ? Worker.gradient(job, shard, bc.value(), version, epoch, step, global)
                    : Worker.round(job, shard, bc.value(), version, epoch, step, rates, global)).iterator();
        }
    }

    private static final class Merge implements Function2<Partial, Partial, Partial> {
        @Override
        public Partial call(Partial a, Partial b) {
            return Partial.merge(a, b);
        }
    }

    private static final Merge MERGE = new Merge();

    /** Releases the cached shards (executors drop their replicas when the next training starts). */
    @Override
    public void close() {
        shards.unpersist(false);
    }
}

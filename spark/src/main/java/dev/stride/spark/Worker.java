package dev.stride.spark;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Dropout;
import dev.stride.nn.Module;
import dev.stride.optim.Optimizer;
import dev.stride.optim.ParamGroup;
import dev.stride.random.Generator;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.spark.TaskContext;

/**
 * One model replica on an executor, kept between tasks of the same training (a pool per job, so that concurrent
 * tasks in one JVM never share a replica; a new training drops the replicas of earlier ones). Its dropout masks come from its own generator, reseeded from the seed,
 * the global step and the partition, so a retried task draws exactly what the first attempt drew.
 */
final class Worker {
    private static final ConcurrentHashMap<String, ConcurrentLinkedQueue<Worker>> POOL = new ConcurrentHashMap<>();
    /** Failures injected by {@link SparkTrainer#failOnce} in this JVM, for the tests to see that one happened. */
    static final java.util.concurrent.atomic.AtomicInteger INJECTED = new java.util.concurrent.atomic.AtomicInteger();

    private final Backend backend = Backends.defaultBackend();
    private final Module model;
    private final Map<String, Tensor> params;
    private final Generator dropoutGen = new Generator(0);

    private Worker(Job job) {
        model = job.model().create();
        params = model.namedParameters();
        List<Dropout> drops = new ArrayList<>();
        collectDropouts(model, drops);
        for (Dropout d : drops) d.generator(dropoutGen);
    }

    private static void collectDropouts(Module m, List<Dropout> out) {
        if (m instanceof Dropout d) out.add(d);
        for (Module c : m.children().values()) collectDropouts(c, out);
    }

    private static Worker take(Job job) {
        if (!POOL.containsKey(job.id())) POOL.keySet().removeIf(id -> !id.equals(job.id()));
        Worker w = POOL.computeIfAbsent(job.id(), k -> new ConcurrentLinkedQueue<>()).poll();
        return w != null ? w : new Worker(job);
    }

    private static void release(Job job, Worker w) {
        POOL.computeIfAbsent(job.id(), k -> new ConcurrentLinkedQueue<>()).add(w);
    }

    private static void check(Job job, Snapshot snap, long expected, int partition, long globalStep) {
        if (snap.version() != expected) {
            throw new IllegalStateException("stale weights: task for version " + expected + " received broadcast " + snap.version());
        }
        TaskContext tc = TaskContext.get();
        if (globalStep == job.failStep() && partition == job.failPartition() && tc != null && tc.attemptNumber() == 0) {
            INJECTED.incrementAndGet();
            throw new IllegalStateException("injected failure at step " + globalStep + ", partition " + partition);
        }
    }

    /** Synchronous SGD: the gradient of this shard's part of the global batch at the snapshot's weights, times its size. */
    static Partial gradient(Job job, Shard shard, Snapshot snap, long expected, int epoch, int stepInEpoch, long globalStep) {
        check(job, snap, expected, shard.index(), globalStep);
        Worker w = take(job);
        try {
            return w.gradientStep(job, shard, snap, epoch, stepInEpoch, globalStep);
        } finally {
            release(job, w);
        }
    }

    private Partial gradientStep(Job job, Shard shard, Snapshot snap, int epoch, int stepInEpoch, long globalStep) {
        long start = System.nanoTime();
        model.loadStateDict(snap.state().under("model.").tensors(backend));
        int[] order = Shard.order(shard.size(), job.seed(), epoch, shard.index());
        int from = Math.min(stepInEpoch * job.localBatch(), shard.size());
        int to = Math.min(from + job.localBatch(), shard.size());
        if (from == to) return Partial.EMPTY;
        model.train();
        model.zeroGrad();
        try (MemoryScope scope = MemoryScope.open()) {
            Result r = forwardBackward(job, shard, order, from, to, globalStep);
            HostTensors sums = new HostTensors();
            Map<String, Tensor> grads = new LinkedHashMap<>();
            params.forEach((k, p) -> grads.put(k, p.grad() == null ? Tensor.zeros(backend, p.shape()) : p.grad()));
            sums.with("grad.", HostTensors.read(grads)).with("buf.", HostTensors.read(buffers()));
            int n = to - from;
            return new Partial(sums.scale(n), (double) r.loss * n, n, r.correct, System.nanoTime() - start);
        } finally {
            model.zeroGrad();
        }
    }

    private Map<String, Tensor> buffers() {
        Map<String, Tensor> b = new LinkedHashMap<>(model.stateDict());
        b.keySet().removeAll(params.keySet());
        return b;
    }

    private record Result(float loss, long correct) {}

    private Result forwardBackward(Job job, Shard shard, int[] order, int from, int to, long globalStep) {
        dropoutGen.reset(job.seed() * 0x9E3779B97F4A7C15L ^ (globalStep << 20) ^ shard.index());
        Dataset batch = shard.data().select(order, from, to);
        int n = batch.size();
        int[] y = batch.labels();
        Tensor labels = Tensor.ofInts(backend, y, n);
        Tensor out = model.forward(Tensor.of(backend, batch.features(), shard.data().batchShape(n)));
        Tensor l = Loss.crossEntropy(out, labels);
        float loss = l.toFloatArray()[0];
        if (Float.isFinite(loss)) l.backward();
        int[] pred = out.detach().argmax(1, false).toIntArray();
        long correct = 0;
        for (int i = 0; i < n; i++) if (pred[i] == y[i]) correct++;
        return new Result(loss, correct);
    }

    /**
     * Parameter averaging: {@code steps} local steps from the snapshot's weights and optimizer state on this shard's
     * next batches, at the given rates; returns the weights and optimizer state times the samples seen. A
     * non-finite loss ends the round early and reaches the driver as a non-finite loss sum.
     */
    static Partial round(Job job, Shard shard, Snapshot snap, long expected, int epoch, int firstStep, float[] rates,
                         long globalStep) {
        check(job, snap, expected, shard.index(), globalStep);
        Worker w = take(job);
        try {
            return w.localSteps(job, shard, snap, epoch, firstStep, rates, globalStep);
        } finally {
            release(job, w);
        }
    }

    private Partial localSteps(Job job, Shard shard, Snapshot snap, int epoch, int firstStep, float[] rates, long globalStep) {
        long start = System.nanoTime();
        model.loadStateDict(snap.state().under("model.").tensors(backend));
        Optimizer opt = job.optimizer().create(List.of(ParamGroup.of(new ArrayList<>(params.values()))));
        opt.loadState(snap.state().under("optim.").tensors(backend), snap.optimizerScalars());
        int[] order = Shard.order(shard.size(), job.seed(), epoch, shard.index());
        model.train();
        double lossSum = 0;
        long count = 0;
        long correct = 0;
        for (int k = 0; k < rates.length; k++) {
            int from = Math.min((firstStep + k) * job.localBatch(), shard.size());
            int to = Math.min(from + job.localBatch(), shard.size());
            if (from == to) break;
            opt.setLearningRate(rates[k]);
            model.zeroGrad();
            try (MemoryScope scope = MemoryScope.open()) {
                Result r = forwardBackward(job, shard, order, from, to, globalStep + k);
                lossSum += (double) r.loss * (to - from);
                count += to - from;
                correct += r.correct;
                if (!Float.isFinite(r.loss)) break;
                opt.step();
            }
        }
        model.zeroGrad();
        if (count == 0) return Partial.EMPTY;
        HostTensors sums = new HostTensors().with("model.", HostTensors.read(model.stateDict()))
                .with("optim.", HostTensors.read(opt.stateTensors()));
        return new Partial(sums.scale(count), lossSum, count, correct, System.nanoTime() - start);
    }
}

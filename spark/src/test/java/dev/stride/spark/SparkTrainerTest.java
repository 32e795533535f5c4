package dev.stride.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Backends;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Activation;
import dev.stride.nn.Linear;
import dev.stride.nn.Module;
import dev.stride.nn.Sequential;
import dev.stride.optim.Optimizer;
import dev.stride.optim.OptimizerSpec;
import dev.stride.optim.ParamGroup;
import dev.stride.random.Generator;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;
import dev.stride.train.TrainingDivergedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SparkTrainerTest {
    private static JavaSparkContext sc;

    /** Two threads, two attempts per task: local mode retries a failed task only when told F > 1. */
    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,2]").setAppName("SparkTrainerTest").set("spark.ui.enabled", "false"));
        sc.setLogLevel("ERROR");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    static Module mlp() {
        return new Sequential(new Linear(Blobs.FEATURES, 32), Activation.relu(), new Linear(32, Blobs.CLASSES));
    }

    private static SparkTrainer trainer(String optimizer, float lr, int partitions, int batch, int averageEvery, int samples) throws Exception {
        Generator.manualSeed(7);
        return new SparkTrainer(sc, SparkTrainerTest::mlp, OptimizerSpec.of(optimizer, lr), new Blobs(samples, 3), partitions,
                batch, averageEvery, 11);
    }

    private static Map<String, float[]> weights(Module m) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    /** The global batch of step {@code s}: every shard's batch {@code s}, in partition order, as indices into the whole set. */
    static int[] globalBatch(Dataset all, int partitions, int local, long seed, int epoch, int s) {
        List<Integer> idx = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            Shard shard = Shard.of(all, p, partitions);
            int[] order = Shard.order(shard.size(), seed, epoch, p);
            for (int i = s * local; i < Math.min((s + 1) * local, shard.size()); i++) idx.add(shard.start() + order[i]);
        }
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One ordinary step of {@code model} on the samples {@code idx}; returns the loss. */
    static float step(Module model, Optimizer opt, Dataset all, int[] idx) {
        int per = all.sampleSize();
        float[] x = new float[idx.length * per];
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(all.features(), idx[i] * per, x, i * per, per);
            y[i] = all.labels()[idx[i]];
        }
        try (MemoryScope scope = MemoryScope.open()) {
            opt.zeroGrad();
            Tensor l = Loss.crossEntropy(model.forward(Tensor.of(Backends.defaultBackend(), x, idx.length, per)),
                    Tensor.ofInts(Backends.defaultBackend(), y, idx.length));
            float v = l.toFloatArray()[0];
            l.backward();
            opt.step();
            return v;
        }
    }

    /**
     * 2 partitions of 64 against one process on the same 128 samples per step, in the same order, for 50 steps
     * (2 epochs of 25). Only the order of float additions differs (two half-batch gradient sums added, against one
     * sum of 128): measured here, losses agree to 1.4e-7 relative and weights to 1.2e-7 (one ulp) after 50 steps;
     * the bounds below leave a margin of about 15x.
     */
    @Test
    void synchronousStepsEqualOneProcessOnTheGlobalBatch() throws Exception {
        for (String optimizer : List.of("momentum", "adam")) {
            SparkTrainer t = trainer(optimizer, optimizer.equals("adam") ? 1e-2f : 5e-2f, 2, 128, 1, 3200);
            Module ref = mlp();
            ref.loadStateDict(t.model().stateDict());
            Optimizer refOpt = OptimizerSpec.of(optimizer, optimizer.equals("adam") ? 1e-2f : 5e-2f)
                    .create(List.of(ParamGroup.of(ref.parameters())));
            Dataset all = new Blobs(3200, 3).load();
            assertEquals(25, t.stepsPerEpoch());
            List<Double> losses = new ArrayList<>();
            for (int e = 0; e < 2; e++) t.trainEpoch((ep, s, n, loss) -> losses.add(loss));
            List<Float> refLosses = new ArrayList<>();
            for (int e = 0; e < 2; e++) {
                for (int s = 0; s < 25; s++) refLosses.add(step(ref, refOpt, all, globalBatch(all, 2, 64, 11, e, s)));
            }
            assertEquals(50, losses.size());
            for (int i = 0; i < 50; i++) {
                assertEquals(refLosses.get(i), losses.get(i), 2e-6 * Math.abs(refLosses.get(i)), optimizer + " step " + (i + 1));
            }
            assertTrue(losses.get(49) < 0.5 * losses.get(0), optimizer + " trains: " + losses.get(0) + " -> " + losses.get(49));
            Map<String, float[]> a = weights(t.model());
            Map<String, float[]> b = weights(ref);
            for (String k : a.keySet()) {
                for (int i = 0; i < a.get(k).length; i++) {
                    assertEquals(b.get(k)[i], a.get(k)[i], 3e-6 * Math.max(1, Math.abs(b.get(k)[i])), optimizer + " " + k + "[" + i + "]");
                }
            }
            assertEquals(50, t.optimizer().stepCount());
            t.close();
        }
    }

    @Test
    void aRetriedTaskGivesTheSameWeights() throws Exception {
        SparkTrainer clean = trainer("adam", 1e-2f, 2, 64, 1, 640);
        clean.trainEpoch((e, s, n, l) -> { });
        Map<String, float[]> expected = weights(clean.model());
        clean.close();

        SparkTrainer failing = trainer("adam", 1e-2f, 2, 64, 1, 640).failOnce(4, 1);
        int before = Worker.INJECTED.get();
        failing.trainEpoch((e, s, n, l) -> { });
        assertEquals(before + 1, Worker.INJECTED.get(), "the injected failure happened once and was retried");
        Map<String, float[]> got = weights(failing.model());
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), got.get(k), k);
        failing.close();
    }

    /** One partition averaging every 4 steps is ordinary training: weights and Adam's state survive the round trips. */
    @Test
    void averagingOverOnePartitionIsOrdinaryTraining() throws Exception {
        SparkTrainer t = trainer("adam", 1e-2f, 1, 64, 4, 640);
        Module ref = mlp();
        ref.loadStateDict(t.model().stateDict());
        Optimizer refOpt = OptimizerSpec.of("adam", 1e-2f).create(List.of(ParamGroup.of(ref.parameters())));
        Dataset all = new Blobs(640, 3).load();
        t.trainEpoch((e, s, n, l) -> { });
        for (int s = 0; s < 10; s++) step(ref, refOpt, all, globalBatch(all, 1, 64, 11, 0, s));
        Map<String, float[]> a = weights(t.model());
        Map<String, float[]> b = weights(ref);
        for (String k : a.keySet()) assertArrayEquals(b.get(k), a.get(k), k);
        assertEquals(10, t.optimizer().stepCount());
        t.close();
    }

    /** Two partitions, one round of 3 local steps: the result is the mean of the two replicas' weights. */
    @Test
    void averagingRoundIsTheMeanOfTheReplicas() throws Exception {
        SparkTrainer t = trainer("momentum", 5e-2f, 2, 128, 3, 384);
        Dataset all = new Blobs(384, 3).load();
        Map<String, float[]> start = weights(t.model());
        List<Map<String, float[]>> replicas = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            Module r = mlp();
            r.loadStateDict(t.model().stateDict());
            Optimizer o = OptimizerSpec.of("momentum", 5e-2f).create(List.of(ParamGroup.of(r.parameters())));
            Shard shard = Shard.of(all, p, 2);
            int[] order = Shard.order(shard.size(), 11, 0, p);
            for (int s = 0; s < 3; s++) {
                int[] idx = new int[64];
                for (int i = 0; i < 64; i++) idx[i] = shard.start() + order[s * 64 + i];
                step(r, o, all, idx);
            }
            replicas.add(weights(r));
        }
        t.trainEpoch((e, s, n, l) -> { });
        Map<String, float[]> got = weights(t.model());
        for (String k : got.keySet()) {
            for (int i = 0; i < got.get(k).length; i++) {
                float mean = (replicas.get(0).get(k)[i] * 192 + replicas.get(1).get(k)[i] * 192) / 384;
                assertEquals(mean, got.get(k)[i], 1e-6f, k + "[" + i + "]");
            }
            assertTrue(!java.util.Arrays.equals(start.get(k), got.get(k)), k + " moved");
        }
        t.close();
    }

    @Test
    void badSetupsFailOnTheDriverNamingTheProblem() {
        SparkTrainer.ModelFactory wrongInputs = () -> new Sequential(new Linear(7, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> new SparkTrainer(sc, wrongInputs, OptimizerSpec.of("adam", null),
                new Blobs(64, 1), 2, 32, 1, 0));
        assertTrue(e.getMessage().contains("does not fit the data") && e.getMessage().contains("[20]"), e.getMessage());
        SparkTrainer.ModelFactory tooFewClasses = () -> new Sequential(new Linear(Blobs.FEATURES, 3));
        e = assertThrows(IllegalArgumentException.class, () -> new SparkTrainer(sc, tooFewClasses, OptimizerSpec.of("adam", null),
                new Blobs(64, 1), 2, 32, 1, 0));
        assertTrue(e.getMessage().contains("[N, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer("adam", 1e-3f, 3, 128, 1, 640));
        assertTrue(e.getMessage().contains("128") && e.getMessage().contains("3 partitions"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer("adam", 1e-3f, 4, 128, 1, 3));
        assertTrue(e.getMessage().contains("3 training samples"), e.getMessage());
    }

    @Test
    void aDivergedStepLeavesTheModelAsItWas() throws Exception {
        SparkTrainer t = trainer("sgd", 1e30f, 2, 64, 1, 256);
        Map<String, float[]> before = null;
        TrainingDivergedException e = null;
        try {
            for (int epoch = 0; epoch < 5 && e == null; epoch++) {
                before = weights(t.model());
                Map<String, float[]>[] last = new Map[] {before};
                try {
                    t.trainEpoch((ep, s, n, l) -> last[0] = weights(t.model()));
                } catch (TrainingDivergedException x) {
                    e = x;
                    before = last[0];
                }
            }
        } finally {
            t.close();
        }
        assertTrue(e != null && e.getMessage().contains("stopped before applying it"), "diverged");
        Map<String, float[]> after = weights(t.model());
        for (String k : after.keySet()) assertArrayEquals(before.get(k), after.get(k), k);
    }
}

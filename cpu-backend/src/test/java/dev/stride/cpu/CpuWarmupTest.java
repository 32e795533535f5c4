package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Backends;
import dev.stride.data.DataLoader;
import dev.stride.loss.Loss;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Flatten;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Module;
import dev.stride.nn.Sequential;
import dev.stride.optim.Adam;
import dev.stride.random.Generator;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;
import dev.stride.testing.CountingBackend;
import dev.stride.testing.SyntheticData;
import dev.stride.train.Models;
import dev.stride.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The background warm-up shares nothing with a run: the same seed gives the same bits while it runs alongside. */
class CpuWarmupTest {
    private static float[] train() {
        Generator.manualSeed(5);
        Module net = Models.create("cnn", 784, 10);
        Adam opt = new Adam(net.parameters(), 1e-3f);
        Generator data = new Generator(9);
        Tensor x = Tensor.randn(Backends.defaultBackend(), data, 0f, 1f, 16, 1, 28, 28);
        int[] y = new int[16];
        for (int i = 0; i < y.length; i++) y[i] = i % 10;
        Tensor labels = Tensor.ofInts(y, 16);
        float[] losses = new float[4];
        for (int s = 0; s < losses.length; s++) {
            try (MemoryScope scope = MemoryScope.open()) {
                opt.zeroGrad();
                Tensor l = Loss.crossEntropy(net.forward(x), labels);
                l.backward();
                opt.step();
                losses[s] = l.item();
            }
        }
        return losses;
    }

    @Test
    void aRunGivesTheSameBitsWithTheWarmupRunningBesideIt() throws InterruptedException {
        float[] alone = train();
        Thread t = new Thread(() -> CpuWarmup.run(new CpuBackend(), 300));
        t.start();
        float[] beside = train();
        t.join();
        assertArrayEquals(alone, beside);
    }

    @Test
    void theWarmupDrawsNothingFromTheGlobalGenerator() {
        Generator.manualSeed(11);
        long before = Generator.global().offset();
        CpuWarmup.run(new CpuBackend(), 2);
        assertEquals(before, Generator.global().offset());
        assertEquals(11, Generator.global().seed());
    }

    @Test
    void theTrainerWaitsForABackgroundWarmupBeforeItsFirstStep() throws InterruptedException {
        Thread slow = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread real;
        synchronized (CpuWarmup.class) {
            real = CpuWarmup.thread;
            CpuWarmup.thread = slow;
        }
        slow.start();
        try {
            CpuBackend be = new CpuBackend();
            Module net = new Sequential(new Flatten(), new Linear(64, 4, true, Init.Scheme.PYTORCH_DEFAULT, be, new Generator(1)));
            Trainer trainer = new Trainer(net, new Adam(net.parameters(), 1e-3f), Loss::crossEntropy);
            List<Boolean> aliveAtStep = new ArrayList<>();
            trainer.trainEpoch(new DataLoader(SyntheticData.images(16, 8, 4, 3), 8, true, 1, false, be),
                    (epoch, b, n, loss) -> aliveAtStep.add(slow.isAlive()));
            assertEquals(List.of(false, false), aliveAtStep);
        } finally {
            slow.join();
            synchronized (CpuWarmup.class) {
                CpuWarmup.thread = real;
            }
        }
    }

    @Test
    void withoutSpatialOpsExpectedTheWarmupRunsNone() {
        boolean before = CpuWarmup.spatial;
        try {
            for (boolean spatial : new boolean[] {true, false}) {
                CountingBackend counted = new CountingBackend(new CpuBackend());
                CpuWarmup.spatial = spatial;
                CpuWarmup.run(counted, 2);
                java.util.Set<String> ops = counted.nanosByOp().keySet();
                for (String op : List.of("conv2d", "conv2dBackwardData", "conv2dBackwardWeight", "batchNormRelu",
                        "batchNormReluBackward", "batchNorm", "batchNormBackward", "maxPool2d", "maxPool2dBackward",
                        "dropout")) {
                    assertEquals(spatial, ops.contains(op), op + " with spatial ops " + (spatial ? "expected" : "not expected"));
                }
                assertTrue(ops.containsAll(List.of("gemm", "softmaxCrossEntropy", "optimizerStep", "unary")), ops.toString());
            }
        } finally {
            CpuWarmup.spatial = before;
        }
    }

    @Test
    void theTrainerTellsTheBackendWhetherItsModelHasSpatialLayers() {
        boolean before = CpuWarmup.spatial;
        try {
            CpuBackend be = new CpuBackend();
            for (boolean conv : new boolean[] {false, true}) {
                CpuWarmup.spatial = !conv;
                Module net = conv
                        ? new Sequential(new Conv2d(1, 2, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, be, new Generator(1)),
                                new Flatten(), new Linear(2 * 64, 4, true, Init.Scheme.PYTORCH_DEFAULT, be, new Generator(2)))
                        : new Sequential(new Flatten(), new Linear(64, 4, true, Init.Scheme.PYTORCH_DEFAULT, be, new Generator(1)));
                Trainer trainer = new Trainer(net, new Adam(net.parameters(), 1e-3f), Loss::crossEntropy);
                trainer.trainEpoch(new DataLoader(SyntheticData.images(8, 8, 4, 3), 8, true, 1, false, be), Trainer.Listener.NONE);
                assertEquals(conv, CpuWarmup.spatial);
            }
        } finally {
            CpuWarmup.spatial = before;
        }
    }

    /** The ops of one epoch of a small MLP and the trainer's evaluation after it, counted. */
    private static CountingBackend mlpEpochAndEvaluation() {
        CountingBackend run = new CountingBackend(new CpuBackend());
        Module net = new Sequential(new Flatten(), new Linear(64, 16, true, Init.Scheme.PYTORCH_DEFAULT, run, new Generator(1)),
                dev.stride.nn.Activation.relu(), new Linear(16, 10, true, Init.Scheme.PYTORCH_DEFAULT, run, new Generator(2)));
        Trainer trainer = new Trainer(net, new Adam(net.parameters(), 1e-3f), Loss::crossEntropy);
        DataLoader data = new DataLoader(SyntheticData.images(32, 8, 10, 3), 16, true, 1, false, run);
        trainer.trainEpoch(data, Trainer.Listener.NONE);
        Trainer.evaluate(net, data.dataset(), 16, run, Loss::crossEntropy);
        return run;
    }

    /**
     * Every op an MLP's training epoch and the trainer's evaluation after it call, the warm-up calls too (moving data
     * in and out aside): an op first seen in a run deoptimizes the kernels it shares code with.
     */
    @Test
    void theWarmupCallsEveryOpOfAnMlpEpochAndItsEvaluation() {
        boolean before = CpuWarmup.spatial;
        try {
            CountingBackend run = mlpEpochAndEvaluation();
            java.util.Set<String> used = new java.util.TreeSet<>(run.nanosByOp().keySet());
            used.removeAll(List.of("allocate", "write", "read", "fill", "synchronize", "ready", "expect"));
            CountingBackend warm = new CountingBackend(new CpuBackend());
            CpuWarmup.spatial = false;
            CpuWarmup.run(warm, 2);
            used.removeAll(warm.nanosByOp().keySet());
            assertEquals(java.util.Set.of(), used, "ops the warm-up leaves cold");
        } finally {
            CpuWarmup.spatial = before;
        }
    }

    /**
     * Each operator of an elementwise op or a reduction that an MLP epoch and its evaluation use, the warm-up uses
     * too, with rows shorter than a vector, of whole vectors, and of whole vectors and a partial one wherever the
     * epoch had them, and each copy's pattern of strides: a switch case or a loop first taken in a run deoptimizes the
     * kernel that holds it (a loss's mean divided, the output layer's 10-wide bias was added, autograd made a
     * repeated gradient dense, in epoch 1).
     */
    @Test
    void theWarmupTakesEachOperatorAndRowEndingOfAnMlpEpoch() {
        boolean before = CpuWarmup.spatial;
        try {
            CountingBackend run = mlpEpochAndEvaluation();
            CountingBackend warm = new CountingBackend(new CpuBackend());
            CpuWarmup.spatial = false;
            CpuWarmup.run(warm, 2);
            int lanes = Simd.FLOAT.length();
            java.util.function.IntFunction<String> rows = n -> n < lanes ? "rows shorter than a vector"
                    : n % lanes == 0 ? "rows of whole vectors" : "rows of whole vectors and a partial one";
            java.util.Map<String, java.util.Set<Integer>> warmed = warm.lastExtents();
            java.util.Set<String> cold = new java.util.TreeSet<>();
            run.lastExtents().forEach((op, lengths) -> {
                for (int n : lengths) {
                    // A copy's kernel branches on its strides, which its key holds, not on the length of its rows.
                    String kind = op.startsWith("copy") ? "any rows" : rows.apply(n);
                    if (warmed.getOrDefault(op, java.util.Set.of()).stream()
                            .noneMatch(w -> kind.equals("any rows") || rows.apply(w).equals(kind))) {
                        cold.add(op + ", " + kind);
                    }
                }
            });
            assertTrue(run.lastExtents().size() > 8, "the epoch's ops were seen: " + run.lastExtents().keySet());
            assertEquals(java.util.Set.of(), cold, "what the warm-up leaves cold");
        } finally {
            CpuWarmup.spatial = before;
        }
    }

    /** Every loop the CNN's two poolings take (whole vectors of windows, a row spilling into the next) is warmed. */
    @Test
    void theWarmupPoolsRowsAsTheCnnDoes() {
        java.util.function.Function<dev.stride.backend.Window, String> path =
                g -> g.outW() >= CpuWindow.L ? "vector" : CpuWindow.spills(g) ? "spill" : "scalar";
        java.util.Set<String> warmed = new java.util.HashSet<>();
        for (dev.stride.backend.Window g : CpuWarmup.POOLS) warmed.add(path.apply(g));
        for (int side : new int[] {28, 14}) {
            dev.stride.backend.Window cnn = new dev.stride.backend.Window(128, 16, side, side, 2, 2, 2, 2, 0, 0, 1, 1);
            assertTrue(warmed.contains(path.apply(cnn)), side + "-wide rows take the " + path.apply(cnn) + " loop");
        }
    }

    /** The command line tells the backend from the model's name, before the data that sizes the model is loaded. */
    @Test
    void eachModelNameAgreesWithTheLayersOfItsModel() {
        for (String name : Models.NAMES_LIST) {
            assertEquals(Models.usesSpatialOps(Models.create(name, 784, 10)), Models.usesSpatialOps(name), name);
        }
        assertTrue(Models.usesSpatialOps("cnn"));
        assertTrue(Models.usesSpatialOps(new Sequential(new Flatten(), new dev.stride.nn.Dropout(0.5f))));
    }
}

package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Activation;
import dev.stride.nn.BatchNorm;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Dropout;
import dev.stride.nn.Flatten;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Module;
import dev.stride.nn.Sequential;
import dev.stride.optim.Adam;
import dev.stride.random.Generator;
import dev.stride.tensor.MemoryScope;
import dev.stride.testing.CountingBackend;
import dev.stride.testing.SyntheticData;
import dev.stride.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A training step as a GPU backend will see it, counted on the CPU: after warm-up nothing a step makes outlives it
 * but gradients, optimizer state and the metric sums; live memory is flat over 500 steps; and a step reads from the
 * backend at most once (the loss for the divergence guard).
 */
class DeviceReadyTrainingTest {
    static final CpuBackend CPU = new CpuBackend();
    static final int STEPS = 500;

    static Dataset images(int n, int side, int classes) {
        return SyntheticData.images(n, side, classes, 3);
    }


    private static Module mlp(Generator gen) {
        return new Sequential(new Flatten(),
                new Linear(64, 32, true, Init.Scheme.PYTORCH_DEFAULT, CPU, gen), Activation.relu(),
                new Linear(32, 32, true, Init.Scheme.PYTORCH_DEFAULT, CPU, gen), Activation.relu(),
                new Linear(32, 4, true, Init.Scheme.PYTORCH_DEFAULT, CPU, gen));
    }

    /** The command line's CNN in miniature: conv-BN-ReLU-pool twice, dropout, dense. */
    private static Module cnn(Generator gen) {
        return new Sequential(
                new Conv2d(1, 4, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, CPU, gen),
                BatchNorm.batchNorm2d(4, 0.1f, 1e-5f, CPU), Activation.relu(), new MaxPool2d(2),
                new Conv2d(4, 8, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, CPU, gen),
                BatchNorm.batchNorm2d(8, 0.1f, 1e-5f, CPU), Activation.relu(), new MaxPool2d(2),
                new Dropout(0.25f, gen), new Flatten(), new Linear(8 * 2 * 2, 4, true, Init.Scheme.PYTORCH_DEFAULT, CPU, gen));
    }

    /** Per step, after it ended: live storages, live bytes, reads since the previous step. */
    private record Step(long live, long bytes, long reads) {}

    private static List<Step> train(Module net, CountingBackend be, int monitorEvery) {
        net.to(be);
        Adam adam = new Adam(net.parameters(), 1e-3f);
        Trainer trainer = new Trainer(net, adam, Loss::crossEntropy).monitor(monitorEvery);
        DataLoader loader = new DataLoader(images(40, 8, 4), 8, true, 1, false, be).prefetch(true);
        List<Step> steps = new ArrayList<>();
        long[] readsBefore = {be.reads()};
        while (steps.size() < STEPS) {
            trainer.trainEpoch(loader, (epoch, b, n, loss) -> {
                steps.add(new Step(be.liveStorages(), be.liveBytes(), be.reads() - readsBefore[0]));
                readsBefore[0] = be.reads();
            });
            readsBefore[0] = be.reads();
        }
        return steps;
    }

    /** Parameters, buffers, one gradient per parameter, Adam's two moments per parameter. */
    private static long persistent(Module net) {
        return net.stateDict().size() + 3L * net.parameters().size();
    }

    private static void checkFlat(Module net, CountingBackend be, List<Step> steps) {
        // From the second step on: the first made the gradients and Adam's moments, which then stay.
        // The correct-prediction sum is the one other storage that lives across steps within an epoch.
        long expected = persistent(net) + 1;
        for (int i = 1; i < steps.size(); i++) {
            assertEquals(expected, steps.get(i).live(), "live storages after step " + (i + 1));
            assertEquals(steps.get(1).bytes(), steps.get(i).bytes(), "live bytes after step " + (i + 1));
            assertTrue(steps.get(i).reads() <= 1, "step " + (i + 1) + " read " + steps.get(i).reads() + " times");
        }
        assertEquals(persistent(net), be.liveStorages(), "after the epoch only the model and optimizer state live");
        assertEquals(0, be.collected(), "no storage was left for the garbage collector");
    }

    @Test
    void mlpStepsLeaveNoTemporariesAndReadOnce() {
        CountingBackend be = new CountingBackend(CPU);
        Module net = mlp(new Generator(5));
        List<Step> steps = train(net, be, 0);
        checkFlat(net, be, steps);
        assertTrue(steps.stream().skip(1).allMatch(s -> s.reads() == 1), "the divergence guard reads the loss every step");
    }

    @Test
    void cnnStepsLeaveNoTemporariesAndReadOnce() {
        CountingBackend be = new CountingBackend(CPU);
        Module net = cnn(new Generator(6));
        checkFlat(net, be, train(net, be, 0));
    }

    @Test
    void theMonitorReadsWithTheNextLossNotOnItsOwn() {
        CountingBackend be = new CountingBackend(CPU);
        Module net = mlp(new Generator(5));
        List<Step> steps = train(net, be, 7);
        for (int i = 1; i < steps.size(); i++) {
            assertEquals(1, steps.get(i).reads(), "step " + (i + 1));
            // A monitored step keeps its three numbers until the next step reads them with its loss.
            long extra = i % 7 == 0 ? 1 : 0;
            assertEquals(persistent(net) + 1 + extra, steps.get(i).live(), "live storages after step " + (i + 1));
        }
    }

    @Test
    void validationRunsInTrainingSizedBatches() throws Exception {
        CountingBackend be = new CountingBackend(CPU);
        Module net = mlp(new Generator(7));
        net.to(be);
        Trainer t = new Trainer(net, new Adam(net.parameters(), 1e-3f), Loss::crossEntropy);
        Dataset big = images(2000, 8, 4);
        t.fit(new DataLoader(images(40, 8, 4), 8, true, 1, false, be), big, 1, Trainer.Listener.NONE, null);
        // 2000 images of 64 floats are 512 KB; a batch of 8 is 2 KB. Evaluating all at once (a fixed 1000 did half)
        // is what ran small heaps out of memory.
        assertTrue(be.peakBytes() < 200_000, "peak " + be.peakBytes() + " bytes");
    }

    @Test
    void trainingOnTheCountingBackendMatchesThePlainOne() {
        Module plain = mlp(new Generator(9));
        Module counted = mlp(new Generator(9));
        CountingBackend be = new CountingBackend(CPU);
        counted.to(be);
        Dataset data = images(24, 8, 4);
        Trainer a = new Trainer(plain, new Adam(plain.parameters(), 1e-2f), Loss::crossEntropy);
        Trainer b = new Trainer(counted, new Adam(counted.parameters(), 1e-2f), Loss::crossEntropy);
        for (int e = 0; e < 3; e++) {
            Trainer.EpochStats sa = a.trainEpoch(new DataLoader(data, 8, true, 2, false, CPU), Trainer.Listener.NONE);
            Trainer.EpochStats sb = b.trainEpoch(new DataLoader(data, 8, true, 2, false, be), Trainer.Listener.NONE);
            assertEquals(sa.loss(), sb.loss(), "epoch " + e + " loss");
            assertEquals(sa.accuracy(), sb.accuracy(), "epoch " + e + " accuracy");
        }
        try (MemoryScope scope = MemoryScope.open()) {
            var pa = plain.parameters();
            var pb = counted.parameters();
            for (int i = 0; i < pa.size(); i++) assertArrayEquals(pa.get(i).toFloatArray(), pb.get(i).toFloatArray());
        }
        Trainer.Evaluation ea = Trainer.evaluate(plain, data, 10, CPU, Loss::crossEntropy);
        Trainer.Evaluation eb = Trainer.evaluate(counted, data, 10, be, Loss::crossEntropy);
        assertEquals(ea, eb);
    }
}

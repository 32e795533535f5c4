package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stride.backend.Backends;
import dev.stride.data.DataLoader;
import dev.stride.loss.Loss;
import dev.stride.nn.Flatten;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Module;
import dev.stride.nn.Sequential;
import dev.stride.optim.Adam;
import dev.stride.random.Generator;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;
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
}

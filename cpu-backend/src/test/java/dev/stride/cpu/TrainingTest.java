package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Backends;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Activation;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Sequential;
import dev.stride.optim.Adam;
import dev.stride.optim.Sgd;
import dev.stride.random.Generator;
import dev.stride.train.Trainer;
import dev.stride.train.TrainingDivergedException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The data loader, the training loop and its guard, and backend discovery. */
class TrainingTest {
    static final CpuBackend CPU = new CpuBackend();

    /** Two Gaussian blobs in 2-D, linearly separable. */
    private static Dataset blobs(int n) {
        float[] x = new float[2 * n];
        int[] y = new int[n];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            dev.stride.random.Philox.words(9, 0, i, w);
            y[i] = i % 2;
            x[2 * i] = (y[i] == 0 ? -2 : 2) + dev.stride.random.Philox.normal(w[0], w[1]) * 0.5f;
            x[2 * i + 1] = dev.stride.random.Philox.normal(w[2], w[3]) * 0.5f;
        }
        return new Dataset(x, y, new int[] {2}, 2);
    }

    @Test
    void shuffleIsASeededPermutationPerEpoch() {
        DataLoader a = new DataLoader(blobs(100), 32, true, 7, false, CPU);
        int[] e0 = a.order(0);
        int[] sorted = e0.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
        assertArrayEquals(e0, new DataLoader(blobs(100), 32, true, 7, false, CPU).order(0));
        assertFalse(Arrays.equals(e0, a.order(1)));
        assertFalse(Arrays.equals(e0, new DataLoader(blobs(100), 32, true, 8, false, CPU).order(0)));
        assertEquals(4, a.batchesPerEpoch());
        int total = 0;
        for (DataLoader.Batch b : a.epoch(0)) {
            assertEquals(2, b.inputs().dim(1));
            total += b.size();
        }
        assertEquals(100, total);
        assertEquals(3, new DataLoader(blobs(100), 32, true, 7, true, CPU).batchesPerEpoch());
    }

    @Test
    void trainsToSeparateBlobsAndIsDeterministic() {
        float[][] finals = new float[2][];
        for (int run = 0; run < 2; run++) {
            Generator g = new Generator(1);
            Sequential net = new Sequential(new Linear(2, 8, true, Init.Scheme.HE_UNIFORM, CPU, g), Activation.tanh(),
                    new Linear(8, 2, true, Init.Scheme.HE_UNIFORM, CPU, g));
            Trainer t = new Trainer(net, new Adam(net.parameters(), 0.05f), Loss::crossEntropy);
            DataLoader loader = new DataLoader(blobs(200), 20, true, 3, false, CPU);
            Trainer.EpochStats s = null;
            for (int e = 0; e < 5; e++) s = t.trainEpoch(loader, Trainer.Listener.NONE);
            assertTrue(s.loss() < 0.1, "loss " + s.loss());
            assertTrue(Trainer.accuracy(net, blobs(200), 64, CPU) > 0.98);
            finals[run] = net.stateDict().get("0.weight").toFloatArray();
        }
        assertArrayEquals(finals[0], finals[1]);
    }

    @Test
    void nonFiniteLossStopsBeforeTheStepAndNamesIt() {
        Generator g = new Generator(1);
        Sequential net = new Sequential(new Linear(2, 2, true, Init.Scheme.HE_UNIFORM, CPU, g));
        int[] calls = {0};
        float[][] before = new float[1][];
        Trainer t = new Trainer(net, new Sgd(net.parameters(), 0.1f), (out, y) -> {
            if (++calls[0] == 3) {
                before[0] = net.stateDict().get("0.weight").toFloatArray();
                return out.sum().mul(Float.NaN);
            }
            return Loss.crossEntropy(out, y);
        });
        DataLoader loader = new DataLoader(blobs(100), 10, false, 0, false, CPU);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> t.trainEpoch(loader, Trainer.Listener.NONE));
        assertEquals(3, e.step());
        assertTrue(e.getMessage().contains("NaN at step 3") && e.getMessage().contains("learning rate 0.1"), e.getMessage());
        assertArrayEquals(before[0], net.stateDict().get("0.weight").toFloatArray());
    }

    @Test
    void backendsAreFoundAndUnknownNamesListThem() {
        assertEquals("cpu", Backends.get("cpu").name());
        assertEquals("cpu", Backends.get("auto").name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get("tpu"));
        assertTrue(e.getMessage().contains("unknown backend 'tpu'") && e.getMessage().contains("cpu (available)"), e.getMessage());
    }

    @Test
    void datasetRejectsLabelsOutOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset(new float[2], new int[] {0, 5}, new int[] {1}, 3));
        assertTrue(e.getMessage().contains("label 5 of sample 1"), e.getMessage());
    }
}

package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Sequential;
import dev.stride.optim.Adam;
import dev.stride.optim.Sgd;
import dev.stride.optim.schedule.CosineWarmRestarts;
import dev.stride.optim.schedule.Schedule;
import dev.stride.random.Generator;
import dev.stride.random.Philox;
import dev.stride.tensor.Tensor;
import dev.stride.train.Ensemble;
import dev.stride.train.LrFinder;
import dev.stride.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ensembles of weight sets, snapshots at cycle ends, and the learning-rate finder. */
class EnsembleTest {
    static final CpuBackend CPU = new CpuBackend();

    @TempDir
    Path dir;

    private static Dataset data(int n, long seed) {
        float[] x = new float[n * 3];
        int[] y = new int[n];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.words(seed, 0, i, w);
            y[i] = i % 3;
            for (int j = 0; j < 3; j++) x[i * 3 + j] = Philox.normal(w[j], w[3]) * 0.8f + (j == y[i] ? 1 : 0);
        }
        return new Dataset(x, y, new int[] {3}, 3);
    }

    private static Sequential model(long seed) {
        return new Sequential(new Linear(3, 3, true, Init.Scheme.XAVIER_UNIFORM, CPU, new Generator(seed)));
    }

    @Test
    void ensembleOfOneIsTheModelAndOwnWeightsAreRestored() {
        Sequential m = model(1);
        new Trainer(m, new Adam(m.parameters(), 0.05f), Loss::crossEntropy)
                .trainEpoch(new DataLoader(data(300, 1), 30, true, 1, false, CPU), Trainer.Listener.NONE);
        Dataset test = data(300, 2);
        float[] before = m.parameters().get(0).toFloatArray();
        double single = Trainer.accuracy(m, test, 100, CPU);
        assertEquals(single, Ensemble.accuracy(m, List.of(Ensemble.snapshot(m)), test, CPU));
        Sequential other = model(9);
        double mixed = Ensemble.accuracy(m, List.of(Ensemble.snapshot(m), Ensemble.snapshot(other)), test, CPU);
        assertEquals(averagedSoftmaxAccuracy(m, other, test), mixed, 1e-12, "the ensemble averages the two models' softmax");
        assertArrayEquals(before, m.parameters().get(0).toFloatArray());
    }

    /** Accuracy of argmax((softmax(a(x)) + softmax(b(x))) / 2), computed here on the host. */
    private static double averagedSoftmaxAccuracy(Sequential a, Sequential b, Dataset test) {
        Tensor x = Tensor.of(CPU, test.features(), test.size(), test.sampleSize());
        float[] pa = a.forward(x).softmax(1).toFloatArray();
        float[] pb = b.forward(x).softmax(1).toFloatArray();
        int c = test.classes();
        int correct = 0;
        for (int i = 0; i < test.size(); i++) {
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (pa[i * c + j] + pb[i * c + j] > pa[i * c + best] + pb[i * c + best]) best = j;
            }
            if (best == test.labels()[i]) correct++;
        }
        return (double) correct / test.size();
    }

    @Test
    void snapshotsAreTakenAtCycleEnds() throws IOException {
        Sequential m = model(2);
        CosineWarmRestarts sgdr = Schedule.cosineWarmRestarts(10, 2, 0);
        Ensemble.Snapshots snaps = new Ensemble.Snapshots(m, sgdr);
        Trainer t = new Trainer(m, new Sgd(m.parameters(), 0.1f), Loss::crossEntropy).schedule(sgdr, true).callbacks(snaps);
        // 10 steps per epoch: cycles of 10, 20, 40 steps end after epochs 1, 3 and 7.
        t.fit(new DataLoader(data(100, 3), 10, true, 1, false, CPU), data(50, 4), 7, Trainer.Listener.NONE, null);
        assertEquals(3, snaps.taken().size());
        assertArrayEquals(Ensemble.snapshot(m).get("0.weight"), snaps.taken().get(2).get("0.weight"));
    }

    @Test
    void lrFinderSweepsRestoresAndSuggests() throws IOException {
        Sequential m = model(3);
        float[] before = m.parameters().get(0).toFloatArray();
        LrFinder.Result r = LrFinder.run(m, new Sgd(m.parameters(), 1f), new DataLoader(data(600, 5), 20, true, 1, false, CPU),
                Loss::crossEntropy, 1e-5, 100, 60);
        assertArrayEquals(before, m.parameters().get(0).toFloatArray(), "weights restored");
        assertTrue(r.rates().length >= 10, "rates " + r.rates().length);
        for (int i = 1; i < r.rates().length; i++) assertTrue(r.rates()[i] > r.rates()[i - 1]);
        assertTrue(r.suggested() > 1e-4 && r.suggested() < 100, "suggested " + r.suggested());
        r.write(dir.resolve("lr.png"), dir.resolve("lr.csv"));
        assertTrue(Files.size(dir.resolve("lr.png")) > 1000);
        assertEquals(r.rates().length + 1, Files.readAllLines(dir.resolve("lr.csv")).size());
    }

    @Test
    void theLrFinderRestoresBatchNormsStatisticsAndBatchCount() throws IOException {
        // BatchNorm's num_batches_tracked is an I32 buffer: the snapshot and its restore must carry it exactly.
        var bn = dev.stride.nn.BatchNorm.batchNorm1d(3, 0.1f, 1e-5f, CPU);
        Sequential m = new Sequential(new Linear(3, 3, true, Init.Scheme.XAVIER_UNIFORM, CPU, new Generator(4)), bn,
                new Linear(3, 3, true, Init.Scheme.XAVIER_UNIFORM, CPU, new Generator(5)));
        new Trainer(m, new Sgd(m.parameters(), 0.01f), Loss::crossEntropy)
                .trainEpoch(new DataLoader(data(60, 6), 20, true, 1, false, CPU), Trainer.Listener.NONE);
        assertEquals(3, bn.numBatchesTracked().toIntArray()[0]);
        float[] mean = bn.runningMean().toFloatArray();
        LrFinder.run(m, new Sgd(m.parameters(), 1f), new DataLoader(data(600, 5), 20, true, 1, false, CPU), Loss::crossEntropy,
                1e-5, 100, 20);
        assertEquals(3, bn.numBatchesTracked().toIntArray()[0], "the batch count the sweep advanced is put back");
        assertArrayEquals(mean, bn.runningMean().toFloatArray());
        // The layer counts on from the restored buffer, not from the sweep's steps.
        m.forward(Tensor.of(CPU, data(20, 7).features(), 20, 3));
        assertEquals(4, bn.numBatchesTracked().toIntArray()[0]);
    }
}

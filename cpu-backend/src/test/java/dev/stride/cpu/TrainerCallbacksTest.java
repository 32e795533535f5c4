package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.stride.random.Philox;
import dev.stride.tensor.Tensor;
import dev.stride.train.BestAndLast;
import dev.stride.train.Curves;
import dev.stride.train.EarlyStopping;
import dev.stride.train.Ema;
import dev.stride.train.Trainer;
import dev.stride.train.TrainingDivergedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's guard, monitoring and callbacks: EMA, early stopping, best/last checkpoints, curves. */
class TrainerCallbacksTest {
    static final CpuBackend CPU = new CpuBackend();

    @TempDir
    Path dir;

    private static Dataset data(int n) {
        float[] x = new float[n * 4];
        int[] y = new int[n];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.words(8, 0, i, w);
            y[i] = i % 2;
            for (int j = 0; j < 4; j++) x[i * 4 + j] = Philox.uniform(w[j]) + (j == y[i] ? 1 : 0);
        }
        return new Dataset(x, y, new int[] {4}, 2);
    }

    private static Sequential model() {
        Generator g = new Generator(3);
        return new Sequential(new Linear(4, 8, true, Init.Scheme.HE_UNIFORM, CPU, g), Activation.relu(),
                new Linear(8, 2, true, Init.Scheme.HE_UNIFORM, CPU, g));
    }

    @Test
    void explodingLossStopsWithinTheFirstEpoch() {
        Sequential m = model();
        Trainer t = new Trainer(m, new Sgd(m.parameters(), 50f), Loss::crossEntropy);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> t.trainEpoch(new DataLoader(data(200), 10, true, 1, false, CPU), Trainer.Listener.NONE));
        assertTrue(e.getMessage().contains("exceeded 3x its first value") || e.getMessage().contains("loss became"), e.getMessage());
        assertTrue(e.getMessage().contains("epoch 1,") && e.getMessage().contains("learning rate 50.0"), e.getMessage());
        assertTrue(e.step() <= 20);
    }

    @Test
    void evaluationCountsAccuracyAndTopFiveAsTheScoresSay() {
        int n = 200;
        float[] x = new float[n * 4];
        int[] y = new int[n];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.words(21, 0, i, w);
            for (int j = 0; j < 4; j++) x[i * 4 + j] = Philox.uniform(w[j]) * 2 - 1;
            y[i] = i % 10;
        }
        Dataset d = new Dataset(x, y, new int[] {4}, 10);
        Sequential m = new Sequential(new Linear(4, 10, true, Init.Scheme.XAVIER_UNIFORM, CPU, new Generator(3)));
        float[] scores = m.forward(Tensor.of(CPU, x, n, 4)).toFloatArray();
        int correct = 0;
        int top5 = 0;
        for (int i = 0; i < n; i++) {
            int above = 0;
            int best = 0;
            for (int c = 0; c < 10; c++) {
                if (scores[i * 10 + c] > scores[i * 10 + y[i]]) above++;
                if (scores[i * 10 + c] > scores[i * 10 + best]) best = c;
            }
            if (above < 5) top5++;
            if (best == y[i]) correct++;
        }
        Trainer.Evaluation e = Trainer.evaluate(m, d, 7, CPU, Loss::crossEntropy);
        assertEquals((double) correct / n, e.accuracy());
        assertEquals((double) top5 / n, e.top5());
        assertTrue(e.top5() < 1 && e.top5() > e.accuracy(), "ten classes: top-5 " + e.top5() + ", top-1 " + e.accuracy());
    }

    @Test
    void bestAndLastKeepsItsBestAcrossACheckpoint() throws IOException {
        Sequential m = model();
        Trainer t = new Trainer(m, new Adam(m.parameters(), 0.01f), Loss::crossEntropy);
        BestAndLast first = new BestAndLast(dir.resolve("a"), m);
        Trainer.EpochStats stats = new Trainer.EpochStats(0, 1, 0.5, 10, 1);
        first.epochEnd(t, stats, new Trainer.Evaluation(0.2, 0.9, 1));
        BestAndLast resumed = new BestAndLast(dir.resolve("b"), m);
        resumed.loadState(java.util.Map.of(), first.stateScalars());
        resumed.epochEnd(t, stats, new Trainer.Evaluation(0.5, 0.8, 1));
        assertTrue(Files.exists(resumed.last()));
        assertFalse(Files.exists(resumed.best()), "a worse epoch after a resume must not become the best");
        resumed.epochEnd(t, stats, new Trainer.Evaluation(0.1, 0.95, 1));
        assertTrue(Files.exists(resumed.best()));
    }

    @Test
    void layerStatsShowADeepSigmoidNetsGradientShrinkingTowardTheInput() throws IOException {
        // Six sigmoid layers: each backward pass through σ' ≤ 1/4 shrinks the gradient, so the first layer's is smallest.
        var gen = new dev.stride.random.Generator(2);
        Sequential m = dev.stride.train.DeepBeliefNet.network(new int[] {4, 32, 32, 32, 32, 32, 32}, 2, CPU, gen);
        Trainer t = new Trainer(m, new Sgd(m.parameters(), 0.1f), Loss::crossEntropy).layerStats(true)
                .callbacks(new Curves(dir.resolve("layers")));
        t.fit(new DataLoader(data(200), 20, true, 1, false, CPU), data(100), 1, Trainer.Listener.NONE, null);
        var stats = t.layerStats();
        assertEquals(List.of("1", "3", "5", "7", "9", "11", "13"), List.copyOf(stats.keySet()), "layers by module name, bottom first");
        double first = stats.get("1").gradNorm();
        double last = stats.get("11").gradNorm();
        assertTrue(first > 0 && first < last / 10, "first hidden layer " + first + " vs last hidden layer " + last);
        for (var st : stats.values()) assertTrue(st.updateRatio() > 0 && Double.isFinite(st.updateRatio()), String.valueOf(st));
        List<String> csv = Files.readAllLines(dir.resolve("layers/curves.csv"));
        assertTrue(csv.get(0).endsWith(",grad_norm.13,update_ratio.13"), csv.get(0));
        assertEquals(6 + 2 * 7, csv.get(1).split(",").length);
    }

    @Test
    void deadReluUnitsAreCountedAndRecurrentSpectralRadiiReported() {
        // Hidden units 0..3 get a bias of -100: no sample can fire them, so exactly half of the ReLU's 8 units are dead.
        var gen = new dev.stride.random.Generator(3);
        dev.stride.nn.Linear first = new dev.stride.nn.Linear(4, 8, true, dev.stride.nn.Init.Scheme.PYTORCH_DEFAULT, CPU, gen);
        Tensor.of(CPU, new float[] {-100, -100, -100, -100, 5, 5, 5, 5}, 8).copyTo(first.bias().storage());
        Sequential m = new Sequential(first, Activation.relu(),
                new dev.stride.nn.Linear(8, 2, true, dev.stride.nn.Init.Scheme.PYTORCH_DEFAULT, CPU, gen));
        Trainer t = new Trainer(m, new Sgd(m.parameters(), 1e-3f), Loss::crossEntropy).layerStats(true);
        t.trainEpoch(new DataLoader(data(100), 20, true, 1, false, CPU), Trainer.Listener.NONE);
        assertEquals(java.util.Map.of("1", 0.5), t.deadRelus());

        var rnn = new dev.stride.nn.Rnn(2, 2, 1, false, true, CPU, gen);
        Tensor.of(CPU, new float[] {0, -1.1f, 1.1f, 0}, 2, 2).copyTo(rnn.weightHh(0).storage());
        var seq = new Sequential(rnn, new dev.stride.nn.LastStep(), new dev.stride.nn.Linear(2, 2, true,
                dev.stride.nn.Init.Scheme.PYTORCH_DEFAULT, CPU, gen));
        Trainer r = new Trainer(seq, new Sgd(seq.parameters(), 0f), Loss::crossEntropy).layerStats(true);
        r.trainEpoch(new DataLoader(sequences(40), 20, true, 1, false, CPU), Trainer.Listener.NONE);
        // A rotation scaled by 1.1: complex eigenvalues ±1.1i, modulus 1.1.
        assertEquals(1.1, r.spectralRadii().get("0"), 1e-4);
        double[] throughTime = r.timeGradients().get("0");
        assertEquals(3, throughTime.length, "one gradient norm per time step");
        for (double g : throughTime) assertTrue(g > 0 && Double.isFinite(g), java.util.Arrays.toString(throughTime));
        // Nothing is captured without layer statistics, and forward passes outside training capture nothing.
        Trainer plain = new Trainer(seq, new Sgd(seq.parameters(), 0f), Loss::crossEntropy);
        plain.trainEpoch(new DataLoader(sequences(40), 20, true, 1, false, CPU), Trainer.Listener.NONE);
        assertEquals(java.util.Map.of(), plain.timeGradients());
        assertEquals(2.0, dev.stride.nn.Recurrent.spectralRadius(new float[] {0.5f, 0, 0, -2}, 2), 1e-6);
    }

    private static Dataset sequences(int n) {
        float[] x = new float[n * 6];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) x[i] = (i * 37 % 11) / 11f;
        for (int i = 0; i < n; i++) y[i] = i % 2;
        return new Dataset(x, y, new int[] {3, 2}, 2);
    }

    @Test
    void aMomentumScheduleCyclesEachGroupsMomentumWithTheRate() {
        Sequential m = model();
        var opt = dev.stride.optim.Sgd.options().lr(0.05f).momentum(0.9f).build(m.parameters());
        // 200 samples in batches of 20: 10 steps an epoch, 20 in all.
        var lr = dev.stride.optim.schedule.Schedule.oneCycle(0.5, 20, 0.25, 10, 100,
                dev.stride.optim.schedule.Schedule.Anneal.LINEAR, false);
        var momentum = dev.stride.optim.schedule.Schedule.oneCycleMomentum(0.8, 0.95, 20, 0.25,
                dev.stride.optim.schedule.Schedule.Anneal.LINEAR, false);
        Trainer t = new Trainer(m, opt, Loss::crossEntropy).schedule(lr, true).momentumSchedule(momentum);
        DataLoader loader = new DataLoader(data(200), 20, true, 1, false, CPU);
        t.trainEpoch(loader, Trainer.Listener.NONE);
        // The last step of the epoch was step 9, in the falling phase.
        assertEquals(momentum.lr(Double.NaN, 9), opt.groups().get(0).momentum(), 1e-6);
        assertEquals(lr.lr(0.05, 9), opt.groups().get(0).lr(), 1e-6);
        assertTrue(opt.groups().get(0).momentum() < 0.95f && opt.groups().get(0).momentum() > 0.8f);
        var adagrad = new dev.stride.optim.Adagrad(m.parameters(), 0.1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(m, adagrad, Loss::crossEntropy).momentumSchedule(momentum));
        assertEquals("momentum schedule: Adagrad has no momentum to cycle", e.getMessage());
    }

    @Test
    void callbacksRunAndWriteTheirFiles() throws IOException {
        Sequential m = model();
        Ema ema = new Ema(m, 0.9f);
        BestAndLast ckpt = new BestAndLast(dir.resolve("ckpt"), m);
        Trainer t = new Trainer(m, new Adam(m.parameters(), 0.01f), Loss::crossEntropy).monitor(5)
                .callbacks(ema, ckpt, new Curves(dir.resolve("curves")), new EarlyStopping(50, 0));
        Trainer.Evaluation eval = t.fit(new DataLoader(data(200), 20, true, 1, false, CPU), data(100), 3, Trainer.Listener.NONE, null);
        assertEquals(3, t.epochsDone());
        assertTrue(eval.accuracy() > 0.8, "accuracy " + eval.accuracy());
        assertTrue(Files.size(ckpt.best()) > 0 && Files.size(ckpt.last()) > 0);
        List<String> csv = Files.readAllLines(dir.resolve("curves/curves.csv"));
        assertEquals(4, csv.size());
        assertTrue(csv.get(0).startsWith("epoch,train_loss"));
        // Written as any file is: the umask, not a temporary file's 0600, decides who may read the curves.
        java.nio.file.Path plain = Files.createFile(dir.resolve("curves/plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(dir.resolve("curves/curves.csv")));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(dir.resolve("curves/loss.png")));
        byte[] png = Files.readAllBytes(dir.resolve("curves/loss.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
        assertTrue(t.lastUpdateRatio() > 0 && t.lastGradNorm() > 0);
        float[] trained = m.parameters().get(0).toFloatArray();
        float[] averaged = ema.evaluate(() -> m.parameters().get(0).toFloatArray());
        assertFalse(java.util.Arrays.equals(trained, averaged), "EMA weights differ from the trained ones");
        assertArrayEquals(trained, m.parameters().get(0).toFloatArray(), "trained weights are restored after evaluation");
    }

    @Test
    void earlyStoppingStopsWhenValidationStalls() throws IOException {
        Sequential m = model();
        // A zero learning rate never improves the validation loss after the first epoch.
        Trainer t = new Trainer(m, new Sgd(m.parameters(), 0f), Loss::crossEntropy).callbacks(new EarlyStopping(2, 0));
        t.fit(new DataLoader(data(40), 20, true, 1, false, CPU), data(20), 10, Trainer.Listener.NONE, null);
        assertEquals(3, t.epochsDone());
    }

    @Test
    void corruptCheckpointIsReportedAndTheModelKeepsItsWeights() throws IOException {
        Sequential m = model();
        Adam opt = new Adam(m.parameters(), 0.01f);
        Path f = dir.resolve("c.safetensors");
        dev.stride.train.Checkpoint.save(f, m, opt, null);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 9));
        Sequential other = model();
        new Sgd(other.parameters(), 0f);
        float[] before = other.parameters().get(2).toFloatArray();
        try (var ignored = dev.stride.autograd.NoGrad.enter()) {
            other.parameters().get(2).mul(3f).copyTo(other.parameters().get(2).storage());
        }
        float[] changed = other.parameters().get(2).toFloatArray();
        IOException e = assertThrows(IOException.class, () -> dev.stride.train.Checkpoint.load(f, other, new Adam(other.parameters(), 0.01f), null));
        assertTrue(e.getMessage().contains("c.safetensors") && e.getMessage().contains("truncated"), e.getMessage());
        assertArrayEquals(changed, other.parameters().get(2).toFloatArray());
        assertFalse(java.util.Arrays.equals(before, changed));
    }

    @Test
    void emaRejectsBadDecay() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Ema(model(), 1f));
        assertTrue(e.getMessage().contains("decay"), e.getMessage());
    }
}

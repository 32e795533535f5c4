package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.stride.data.Idx;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every optimizer and schedule through {@code stride train}, on a 600-digit slice of the shipped data. */
class TrainOptionsTest {
    @TempDir
    static Path tiny;

    @BeforeAll
    static void slice() throws IOException {
        Path src = Path.of("..", "data", "mnist");
        for (String[] part : new String[][] {{"train", "480"}, {"t10k", "120"}}) {
            int n = Integer.parseInt(part[1]);
            Idx.Array images = Idx.read(src.resolve(part[0] + "-images-idx3-ubyte.gz"));
            Idx.Array labels = Idx.read(src.resolve(part[0] + "-labels-idx1-ubyte.gz"));
            byte[] px = new byte[n * 784];
            for (int i = 0; i < px.length; i++) px[i] = (byte) images.values()[i];
            byte[] y = new byte[n];
            for (int i = 0; i < n; i++) y[i] = (byte) labels.values()[i];
            Idx.writeUbyte(tiny.resolve(part[0] + "-images-idx3-ubyte.gz"), new int[] {n, 28, 28}, px);
            Idx.writeUbyte(tiny.resolve(part[0] + "-labels-idx1-ubyte"), new int[] {n}, y);
        }
    }

    private static String[] args(String... extra) {
        String[] base = {"train", "--json", "--data", tiny.toString(), "--batch-size", "64"};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @ParameterizedTest
    @EnumSource(OptimizerOptions.Name.class)
    void everyOptimizerLearnsWithTheCommandLinesDefaultRate(OptimizerOptions.Name name) {
        Cli r = Cli.run(args("--epochs", "3", "--optimizer", name.name()));
        assertEquals(0, r.code(), r.err());
        JsonObject j = r.json();
        assertEquals(name.name(), j.get("optimizer").getAsString());
        double[] losses = r.column("train loss");
        assertEquals(3, losses.length, r.err());
        assertTrue(losses[2] < losses[0], name + ": train loss went from " + losses[0] + " to " + losses[2]);
    }

    @ParameterizedTest
    @EnumSource(ScheduleOptions.Name.class)
    void everyScheduleRuns(ScheduleOptions.Name name) {
        Cli r = Cli.run(args("--epochs", "3", "--schedule", name.name()));
        assertEquals(0, r.code(), r.err());
        assertEquals(name.name(), r.json().get("schedule").getAsString());
        assertEquals(3, r.column("lr").length, r.err());
        assertTrue(Double.isFinite(r.json().get("train_loss").getAsDouble()));
    }

    @Test
    void oneCycleTakesPyTorchsOptionsAndCyclesMomentum() {
        Cli r = Cli.run(args("--epochs", "2", "--optimizer", "sgd", "--lr", "0.01", "--schedule", "one_cycle", "--anneal", "LINEAR",
                "--three-phase", "--cycle-momentum", "0.85,0.95"));
        assertEquals(0, r.code(), r.err());
        assertTrue(Double.isFinite(r.json().get("train_loss").getAsDouble()));
        Cli wrong = Cli.run(args("--epochs", "1", "--schedule", "step", "--cycle-momentum", "0.85,0.95"));
        assertEquals(2, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("--cycle-momentum works with --schedule one_cycle"), wrong.err());
    }

    @Test
    void stepScheduleHalvesTheRateEachEpoch() {
        double[] lr = Cli.run(args("--epochs", "3", "--schedule", "step", "--step-size", "1", "--gamma", "0.5")).column("lr");
        assertEquals(1e-3, lr[0], 1e-9);
        assertEquals(5e-4, lr[1], 1e-9);
        assertEquals(2.5e-4, lr[2], 1e-9);
    }

    @Test
    void warmupStartsAtATenth() {
        double[] lr = Cli.run(args("--epochs", "3", "--schedule", "cosine", "--warmup", "2")).column("lr");
        assertEquals(1e-4, lr[0], 1e-9);
        assertEquals(5.5e-4, lr[1], 1e-9);
        assertEquals(1e-3, lr[2], 1e-9);
    }

    @Test
    void resumeContinuesFromTheCheckpoint() {
        Path ckpt = tiny.resolve("run.safetensors");
        String[] common = {"--optimizer", "adamw", "--schedule", "step", "--step-size", "1"};
        Cli full = Cli.run(args(concat(common, "--epochs", "3")));
        Cli first = Cli.run(args(concat(common, "--epochs", "2", "--save", ckpt.toString())));
        assertEquals(0, first.code(), first.err());
        Cli rest = Cli.run(args(concat(common, "--epochs", "3", "--resume", ckpt.toString())));
        assertEquals(0, rest.code(), rest.err());
        assertTrue(rest.err().contains("resumed from") && rest.err().contains("after epoch 2"), rest.err());
        assertEquals(full.json().get("train_loss"), rest.json().get("train_loss"));
        assertEquals(full.json().get("test_accuracy"), rest.json().get("test_accuracy"));
    }

    @Test
    void resumeUnderOtherSettingsIsRefusedNamingEachDifferenceAndChangesNothing() throws Exception {
        Path ckpt = tiny.resolve("adam.safetensors");
        assertEquals(0, Cli.run(args("--epochs", "1", "--save", ckpt.toString())).code());
        byte[] before = java.nio.file.Files.readAllBytes(ckpt);
        Cli other = Cli.run(args("--epochs", "2", "--optimizer", "momentum", "--resume", ckpt.toString()));
        assertEquals(1, other.code());
        assertTrue(other.err().contains("written under other settings") && other.err().contains("--optimizer adam -> momentum")
                && other.err().contains("optimizer kind Adam -> SGD"), other.err());
        Cli recipe = Cli.run(args("--epochs", "2", "--lr", "0.01", "--schedule", "cosine", "--resume", ckpt.toString()));
        assertEquals(1, recipe.code());
        assertTrue(recipe.err().contains("--lr (default) -> 0.01") && recipe.err().contains("--schedule constant -> cosine"), recipe.err());
        assertTrue(java.util.Arrays.equals(before, java.nio.file.Files.readAllBytes(ckpt)), "the checkpoint is untouched");
        Cli weights = Cli.run(args("--epochs", "1", "--optimizer", "momentum", "--lr", "0.05", "--resume-weights-only", ckpt.toString()));
        assertEquals(0, weights.code(), weights.err());
        assertTrue(weights.err().contains("started from the weights of"), weights.err());
    }

    @Test
    void aResumedRunEqualsAStraightOneWithEmaAndBestAndLast() throws Exception {
        String[] common = {"--ema", "0.9", "--schedule", "step", "--step-size", "1", "--curves", "none"};
        Path straightDir = tiny.resolve("straight");
        Path resumedDir = tiny.resolve("resumed");
        Path ckpt = tiny.resolve("ema.safetensors");
        Cli straight = Cli.run(args(concat(common, "--epochs", "3", "--checkpoint-dir", straightDir.toString())));
        assertEquals(0, straight.code(), straight.err());
        assertEquals(0, Cli.run(args(concat(common, "--epochs", "2", "--save", ckpt.toString(), "--checkpoint-dir", resumedDir.toString()))).code());
        Cli resumed = Cli.run(args(concat(common, "--epochs", "3", "--resume", ckpt.toString(), "--checkpoint-dir", resumedDir.toString())));
        assertEquals(0, resumed.code(), resumed.err());
        for (String k : new String[] {"train_loss", "test_accuracy", "ema_test_accuracy"}) {
            assertEquals(straight.json().get(k), resumed.json().get(k), k);
        }
        var cpu = dev.stride.backend.Backends.get("cpu");
        for (String file : new String[] {"best.safetensors", "last.safetensors"}) {
            var a = dev.stride.io.SafeTensors.load(straightDir.resolve(file), cpu).tensors();
            var b = dev.stride.io.SafeTensors.load(resumedDir.resolve(file), cpu).tensors();
            assertEquals(a.keySet(), b.keySet(), file);
            for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), file + " " + k);
        }
    }

    @Test
    void resumingAFinishedRunSaysSoWithItsRealMetricsAndImpossibleCountersAreRefused() throws Exception {
        Path ckpt = tiny.resolve("done.safetensors");
        Cli first = Cli.run(args("--epochs", "1", "--curves", "none", "--save", ckpt.toString()));
        assertEquals(0, first.code(), first.err());
        Cli again = Cli.run(args("--epochs", "1", "--curves", "none", "--resume", ckpt.toString()));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("nothing to train") && again.err().contains("has trained 1 epochs"), again.err());
        assertEquals(first.json().get("test_accuracy"), again.json().get("test_accuracy"));
        var cpu = dev.stride.backend.Backends.get("cpu");
        var saved = dev.stride.io.SafeTensors.load(ckpt, cpu);
        String meta = saved.metadata().get("stride").replace("\"epochs_done\":1.0", "\"epochs_done\":-3.0");
        Path bad = tiny.resolve("negative.safetensors");
        dev.stride.io.SafeTensors.save(bad, saved.tensors(), java.util.Map.of("stride", meta, "format", "pt"));
        Cli refused = Cli.run(args("--epochs", "2", "--curves", "none", "--resume", bad.toString()));
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("negative.safetensors") && refused.err().contains("impossible trainer state: epochs_done = -3.0"),
                refused.err());
    }

    @Test
    void aStrayLabelIsRefusedBeforeTraining() throws Exception {
        Path broken = tiny.resolve("broken");
        java.nio.file.Files.createDirectories(broken);
        for (String f : new String[] {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte"}) {
            java.nio.file.Files.copy(tiny.resolve(f), broken.resolve(f));
        }
        Idx.Array labels = Idx.read(tiny.resolve("train-labels-idx1-ubyte"));
        byte[] y = new byte[labels.count()];
        for (int i = 0; i < y.length; i++) y[i] = (byte) labels.values()[i];
        y[100] = (byte) 255;
        Idx.writeUbyte(broken.resolve("train-labels-idx1-ubyte"), new int[] {y.length}, y);
        Cli r = Cli.run("train", "--json", "--data", broken.toString(), "--curves", "none");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("train-labels-idx1-ubyte: label 255 of sample 100"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void badPathsAndOptionValuesFailBeforeTheFirstStepNamingTheOption() throws Exception {
        Path file = tiny.resolve("a-file");
        java.nio.file.Files.writeString(file, "x");
        String[][] cases = {
            {"--save", file.resolve("c.safetensors").toString(), "--save " + file + ": is a file, not a folder"},
            {"--curves", file.toString(), "--curves " + file + ": is a file, not a folder"},
            {"--checkpoint-dir", file.toString(), "--checkpoint-dir " + file + ": is a file, not a folder"},
            {"--resume", tiny.resolve("missing.safetensors").toString(), "missing.safetensors: no such file"},
            {"--resume", tiny.toString(), tiny + ": is a folder, not a checkpoint file"},
        };
        for (String[] c : cases) {
            Cli r = Cli.run(args("--epochs", "1", c[0], c[1]));
            assertEquals(1, r.code(), c[0] + " " + c[1] + ": " + r.err());
            assertTrue(r.err().contains(c[2]), r.err());
            assertTrue(!r.err().contains("epoch 1/1"), c[0] + " " + c[1] + " trained before failing: " + r.err());
        }
        // Option values are usage errors, status 2 with the usage, as an unknown --optimizer always was.
        String[][] usage = {
            {"--gamma", "-1", "Invalid value for option '--gamma': must be a finite number > 0, got -1"},
            {"--warmup", "-2", "Invalid value for option '--warmup': must be >= 0, got -2"},
            {"--preprocess", "pca-abc", "Invalid value for option '--preprocess': unknown 'pca-abc'"},
            {"--preprocess", "mean-xyz", "Invalid value for option '--preprocess': unknown 'mean-xyz'"},
            {"--model", "resnet", "Invalid value for option '--model': unknown model 'resnet' (choose from mlp, mlp-bn, cnn, dbn, rnn, lstm, gru)"},
            {"--optimizer", "lion", "Invalid value for option '--optimizer'"},
        };
        for (String[] c : usage) {
            Cli r = Cli.run(args("--epochs", "1", c[0], c[1]));
            assertEquals(2, r.code(), c[0] + " " + c[1] + ": " + r.err());
            assertTrue(r.err().contains(c[2]) && r.err().contains("Usage: stride train"), r.err());
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void badOptimizerValuesAreNamed() {
        Cli r = Cli.run(args("--lr", "-1"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("learning rate must be finite and >= 0, got -1.0"), r.err());
        r = Cli.run(args("--beta1", "1.0"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("beta1 must be in [0, 1)"), r.err());
        r = Cli.run(args("--schedule", "sideways"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--schedule"), r.err());
    }
}

package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stride train} end to end on the shipped digits. */
class TrainCommandTest {
    private static final String DATA = Path.of("..", "data", "mnist").toString();

    @TempDir
    Path dir;

    @Test
    void defaultRecipeLearnsTheDigitsAndIsReproducible() {
        Cli a = Cli.run("train", "--json", "--data", DATA, "--save", dir.resolve("mlp.safetensors").toString());
        assertEquals(0, a.code(), a.err());
        JsonObject j = a.json();
        for (String k : new String[] {"backend", "model", "epochs", "train_loss", "test_accuracy", "seconds", "samples_per_second",
                "steady_samples_per_second", "wall_seconds"}) {
            assertTrue(j.has(k), "missing " + k + " in " + j);
        }
        // The process started before the run did, and the run's timing covers its training.
        assertTrue(j.get("wall_seconds").getAsDouble() >= j.get("seconds").getAsDouble(), j.toString());
        assertTrue(j.get("seconds").getAsDouble() >= j.get("train_seconds").getAsDouble(), j.toString());
        assertEquals("cpu", j.get("backend").getAsString());
        assertEquals("mlp 784-256-256-10", j.get("model").getAsString());
        assertEquals(5, j.get("epochs").getAsInt());
        assertTrue(j.get("test_accuracy").getAsDouble() >= 0.94, j.toString());
        assertTrue(Files.exists(dir.resolve("mlp.safetensors")));
        Cli b = Cli.run("train", "--json", "--data", DATA, "--epochs", "1");
        Cli c = Cli.run("train", "--json", "--data", DATA, "--epochs", "1");
        assertEquals(b.json().get("train_loss"), c.json().get("train_loss"));
        assertEquals(b.json().get("test_accuracy"), c.json().get("test_accuracy"));
    }

    /** The twin's steady epoch: the median of epochs 2..N, the upper middle one of an even count, epoch 1 alone. */
    @Test
    void theSteadyEpochIsTheTwinsMedianOfTheEpochsAfterTheFirst() {
        assertEquals(2.0, TrainCommand.steadyEpoch(java.util.List.of(9.0, 3.0, 2.0, 1.0)));
        assertEquals(3.0, TrainCommand.steadyEpoch(java.util.List.of(9.0, 4.0, 1.0, 3.0, 2.0)));
        assertEquals(7.0, TrainCommand.steadyEpoch(java.util.List.of(7.0)));
        assertEquals(0.5, TrainCommand.steadyEpoch(java.util.List.of(0.1, 0.5)));
    }

    @Test
    void theProgressBarsNeverAskTheTerminalForItsWidth() throws Exception {
        // jline starts `tty` and `test` processes for each terminal it builds, and progressbar builds one per bar.
        int[] asked = {0};
        Terminal counting = new DumbTerminal(InputStream.nullInputStream(), OutputStream.nullOutputStream()) {
            @Override
            public Size getSize() {
                asked[0]++;
                return new Size(120, 40);
            }
        };
        TerminalBuilder.setTerminalOverride(counting);
        try {
            Cli r = Cli.run("train", "--data", DATA, "--epochs", "2", "--limit", "600", "--curves", "none");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("epoch 2/2"), r.err());
        } finally {
            TerminalBuilder.setTerminalOverride(null);
        }
        assertEquals(0, asked[0]);
    }

    @Test
    void curvesAreACsvAndThePicturesOnlyWhenAskedFor() throws Exception {
        Path plain = dir.resolve("plain");
        Cli r = Cli.run("train", "--data", DATA, "--epochs", "2", "--limit", "600", "--curves", plain.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(3, Files.readAllLines(plain.resolve("curves.csv")).size());
        assertTrue(!Files.exists(plain.resolve("loss.png")) && !Files.exists(plain.resolve("accuracy.png")));
        Path drawn = dir.resolve("drawn");
        r = Cli.run("train", "--data", DATA, "--epochs", "1", "--limit", "600", "--curves", drawn.toString(), "--plots");
        assertEquals(0, r.code(), r.err());
        for (String png : new String[] {"loss.png", "accuracy.png"}) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(drawn.resolve(png)), 4);
            assertEquals("\u0089PNG", new String(head, java.nio.charset.StandardCharsets.ISO_8859_1), png);
        }
        Cli refused = Cli.run("train", "--data", DATA, "--epochs", "1", "--curves", "none", "--plots");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("--plots draws into the curves folder: it cannot go with --curves none"), refused.err());
        assertTrue(!refused.err().contains("epoch 1"), refused.err());
    }

    @Test
    void cnnTrainsAndSavesItsBatchNormBuffers() {
        Cli r = Cli.run("train", "--json", "--data", DATA, "--model", "cnn", "--epochs", "1", "--save", dir.resolve("cnn.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.json().get("model").getAsString().startsWith("cnn"));
        assertTrue(r.json().get("test_accuracy").getAsDouble() > 0.9, r.json().toString());
    }

    @Test
    void fineTuningWithAFrozenBodyLeavesItBitIdentical() throws Exception {
        Path base = dir.resolve("base.safetensors");
        Path tuned = dir.resolve("tuned.safetensors");
        assertEquals(0, Cli.run("train", "--data", DATA, "--epochs", "1", "--curves", "none", "--save", base.toString()).code());
        Cli r = Cli.run("train", "--json", "--data", DATA, "--epochs", "1", "--curves", "none", "--init-from", base.toString(),
                "--freeze", "1.,3.", "--reinit", "5.", "--save", tuned.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("frozen [1.weight, 1.bias, 3.weight, 3.bias]"), r.err());
        var cpu = dev.stride.backend.Backends.get("cpu");
        var before = dev.stride.io.SafeTensors.load(base, cpu).tensors();
        var after = dev.stride.io.SafeTensors.load(tuned, cpu).tensors();
        for (String body : new String[] {"1.weight", "1.bias", "3.weight", "3.bias"}) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(before.get(body).toFloatArray(), after.get(body).toFloatArray(), body);
        }
        assertTrue(!java.util.Arrays.equals(before.get("5.weight").toFloatArray(), after.get("5.weight").toFloatArray()));
        assertTrue(r.json().get("test_accuracy").getAsDouble() > 0.9, r.out());
        Cli bad = Cli.run("train", "--data", DATA, "--epochs", "1", "--curves", "none", "--model", "cnn", "--init-from", base.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("base.safetensors") && bad.err().contains("missing tensor"), bad.err());
    }

    @Test
    void emaWeightsScoreAtLeastAsWellAsTheTrainedOnes() {
        Cli r = Cli.run("train", "--json", "--data", DATA, "--epochs", "10", "--ema", "0.99", "--curves", "none");
        assertEquals(0, r.code(), r.err());
        double single = r.json().get("test_accuracy").getAsDouble();
        double ema = r.json().get("ema_test_accuracy").getAsDouble();
        assertTrue(ema >= single, "EMA " + ema + " vs single model " + single);
    }

    @Test
    void snapshotEnsembleNeedsWarmRestartsAndReportsItsAccuracy() {
        Cli bad = Cli.run("train", "--data", DATA, "--epochs", "1", "--snapshots", "--curves", "none");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--snapshots needs --schedule cosine_restarts"), bad.err());
        Cli r = Cli.run("train", "--json", "--data", DATA, "--epochs", "2", "--schedule", "cosine_restarts", "--t0", "1",
                "--t-mult", "1", "--snapshots", "--curves", "none");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("snapshot ensemble of 2"), r.err());
        assertTrue(r.json().get("snapshot_ensemble_test_accuracy").getAsDouble() > 0.9, r.out());
    }

    @Test
    void hugeLearningRateStopsAtANamedStep() {
        Cli r = Cli.run("train", "--data", DATA, "--optimizer", "sgd", "--lr", "1e6", "--epochs", "1");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("stopped: loss") && r.err().contains("at step") && r.err().contains("epoch 1,"), r.err());
    }

    @Test
    void unknownOptionsAndBadValuesPrintUsage() {
        Cli r = Cli.run("train", "--epochz", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Unknown option") && r.err().contains("'--epochz'") && r.err().contains("Usage: stride train"), r.err());
        r = Cli.run("train", "--optimizer", "adagradx");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--optimizer"), r.err());
        r = Cli.run("train", "--epochs", "many");
        assertEquals(2, r.code());
        r = Cli.run("fly");
        assertEquals(2, r.code());
    }

    @Test
    void missingDataFolderIsNamed() {
        Cli r = Cli.run("train", "--data", dir.resolve("nowhere").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nowhere") && r.err().contains("not a folder"), r.err());
    }

    @Test
    void unknownBackendListsTheAvailableOnes() {
        Cli r = Cli.run("train", "--data", DATA, "--backend", "nope");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown backend 'nope'") && r.err().contains("cpu (available)"), r.err());
    }

    @Test
    void theBackendPropertyIsHonouredWhenNoOptionIsGivenAndTheOptionWins() {
        System.setProperty("stride.backend", "nope");
        try {
            Cli r = Cli.run("train", "--data", DATA, "--epochs", "1", "--curves", "none");
            assertEquals(1, r.code());
            assertTrue(r.err().contains("unknown backend 'nope'") && r.err().contains("cpu (available)"), r.err());
            Cli ok = Cli.run("train", "--json", "--data", DATA, "--epochs", "1", "--curves", "none", "--backend", "cpu");
            assertEquals(0, ok.code(), ok.err());
            assertEquals("cpu", ok.json().get("backend").getAsString());
        } finally {
            System.clearProperty("stride.backend");
        }
    }

    @Test
    void theEmulatedCudaBackendTrainsWhatTheCpuTrains() {
        String[] run = {"train", "--json", "--data", DATA, "--epochs", "1", "--limit", "32", "--batch-size", "16", "--curves", "none"};
        Cli cpu = Cli.run(concat(run, "--backend", "cpu"));
        assertEquals(0, cpu.code(), cpu.err());
        System.setProperty("stride.cuda.device", "emulated");
        try {
            Cli cuda = Cli.run(concat(run, "--backend", "cuda"));
            assertEquals(0, cuda.code(), cuda.err());
            assertEquals("cuda", cuda.json().get("backend").getAsString());
            double a = cpu.json().get("train_loss").getAsDouble();
            double b = cuda.json().get("train_loss").getAsDouble();
            assertTrue(Math.abs(a - b) <= 1e-4 * a, "train loss: cpu " + a + ", cuda " + b);
            assertEquals(cpu.json().get("test_accuracy"), cuda.json().get("test_accuracy"));
        } finally {
            System.clearProperty("stride.cuda.device");
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void theBackendEnvironmentVariableIsHonoured() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StrideCommand.class.getName(), "train", "--data", DATA);
        pb.environment().put("STRIDE_BACKEND", "nope");
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.contains("unknown backend 'nope'") && out.contains("cpu (available)"), out);
    }
}

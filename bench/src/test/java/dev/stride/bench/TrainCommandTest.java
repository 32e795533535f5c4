package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
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
        for (String k : new String[] {"backend", "model", "epochs", "train_loss", "test_accuracy", "seconds", "samples_per_second"}) {
            assertTrue(j.has(k), "missing " + k + " in " + j);
        }
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

    @Test
    void cnnTrainsAndSavesItsBatchNormBuffers() {
        Cli r = Cli.run("train", "--json", "--data", DATA, "--model", "cnn", "--epochs", "1", "--save", dir.resolve("cnn.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.json().get("model").getAsString().startsWith("cnn"));
        assertTrue(r.json().get("test_accuracy").getAsDouble() > 0.9, r.json().toString());
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
        Cli r = Cli.run("train", "--data", DATA, "--backend", "cuda");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown backend 'cuda'") && r.err().contains("cpu (available)"), r.err());
    }
}

package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class SparkTrainCommandTest {
    private static final String DATA = java.nio.file.Path.of(System.getProperty("user.dir")).resolveSibling("data")
            .resolve("mnist").toString();

    @Test
    void trainsOnLocalSparkWithOnePartitionPerThread() {
        Cli r = Cli.run("train", "--spark", "local[2]", "--data", DATA, "--limit", "1024", "--epochs", "1", "--hidden-layers", "1",
                "--schedule", "step", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject j = r.json();
        assertEquals(2, j.get("partitions").getAsInt());
        assertTrue(j.get("backend").getAsString().startsWith("spark local[2]"), j.toString());
        assertTrue(j.get("test_accuracy").getAsDouble() > 0.6, j.toString());
        assertEquals(4L * (784 * 256 + 256 + 256 * 10 + 10), j.get("exchanged_bytes").getAsLong(), j.toString());
    }

    @Test
    void optionsASparkRunDoesNotTakeAreNamedBeforeAnythingStarts() {
        Cli r = Cli.run("train", "--spark", "local[2]", "--data", DATA, "--ema", "0.99", "--flip", "--optimizer", "lbfgs");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--spark does not take --optimizer lbfgs, --ema, augmentation"), r.err());
        Cli noSpark = Cli.run("train", "--data", DATA, "--average-every", "4");
        assertEquals(1, noSpark.code(), noSpark.err());
        assertTrue(noSpark.err().contains("--average-every and --scaling need --spark"), noSpark.err());
        assertEquals(4, SparkTrain.localThreads("local[4,2]"));
        assertEquals(2, SparkTrain.localThreads("spark://h:7077"));
    }
}

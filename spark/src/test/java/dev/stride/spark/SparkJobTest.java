package dev.stride.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.stride.backend.Backends;
import dev.stride.io.SafeTensors;
import dev.stride.optim.OptimizerSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkJobTest {
    static final Path DIGITS = Path.of(System.getProperty("user.dir")).resolveSibling("data").resolve("mnist");

    static SparkJob job(String master, Path data, int epochs, Path save, Path resume) {
        return new SparkJob(master, data, "mlp", 1, epochs, 64, 2, 1, OptimizerSpec.of("adam", null), null, false, 0, 3,
                512, save, resume, false);
    }

    static JsonObject run(SparkJob job, StringWriter err) throws IOException {
        return job.run(new PrintWriter(new StringWriter()), new PrintWriter(err));
    }

    @Test
    void aMissingDataFolderFailsBeforeSparkStarts(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-digits");
        IOException e = assertThrows(IOException.class, () -> run(job("local[2]", missing, 1, null, null), new StringWriter()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void anUnreachableMasterIsNamedAtOnce() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String master = "spark://127.0.0.1:" + port;
        long t0 = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(job(master, DIGITS, 1, null, null), new StringWriter()));
        assertTrue(e.getMessage().contains("cannot reach the Spark master at 127.0.0.1:" + port), e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "failed fast");
        e = assertThrows(IllegalArgumentException.class, () -> SparkJob.checkMaster("local[0]"));
        assertTrue(e.getMessage().contains("local[0]"), e.getMessage());
    }

    /** One epoch, then a new job resuming from its checkpoint for a second, ends where two epochs in one job end. */
    @Test
    void aRestartedJobResumesFromTheEpochCheckpoint(@TempDir Path dir) throws IOException {
        Path straight = dir.resolve("straight.safetensors");
        Path resumed = dir.resolve("resumed.safetensors");
        JsonObject s = run(job("local[2]", DIGITS, 2, straight, null), new StringWriter());
        assertTrue(s.get("test_accuracy").getAsDouble() > 0.5, s.toString());
        run(job("local[2]", DIGITS, 1, resumed, null), new StringWriter());
        StringWriter err = new StringWriter();
        run(job("local[2]", DIGITS, 2, resumed, resumed), err);
        assertTrue(err.toString().contains("resumed from " + resumed + " after epoch 1"), err.toString());
        Map<String, dev.stride.tensor.Tensor> a = SafeTensors.load(straight, Backends.defaultBackend()).tensors();
        Map<String, dev.stride.tensor.Tensor> b = SafeTensors.load(resumed, Backends.defaultBackend()).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
        assertFalse(Files.exists(dir.resolve("resumed.safetensors.tmp")));

        SparkJob other = new SparkJob("local[2]", DIGITS, "mlp", 1, 3, 128, 2, 1, OptimizerSpec.of("adam", null), null, false, 0, 3,
                512, null, resumed, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(other, new StringWriter()));
        assertTrue(e.getMessage().contains("batch size"), e.getMessage());
    }
}

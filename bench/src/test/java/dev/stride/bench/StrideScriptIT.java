package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's command for Spark, through the ./stride script: Spark's classpath and flags are added only there. */
class StrideScriptIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void strideTrainOnLocalSparkRunsFromTheScript() throws Exception {
        Path err = Files.createTempFile("stride-spark", ".err");
        Process p = new ProcessBuilder("bash", "stride", "train", "--spark", "local[2]", "--limit", "512", "--epochs", "1",
                "--hidden-layers", "1", "--json").directory(ROOT.toFile()).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "finished");
        String log = Files.readString(err);
        assertEquals(0, p.exitValue(), out + log);
        List<String> lines = out.lines().toList();
        JsonObject j = JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
        assertTrue(j.get("backend").getAsString().startsWith("spark local[2]"), j.toString());
        assertEquals(2, j.get("partitions").getAsInt());
        assertFalse(log.contains(" INFO "), "Spark logs warnings only:\n" + log);
        assertFalse(log.contains("stride: building"), "the packaged jar was used as it is:\n" + log);
    }
}

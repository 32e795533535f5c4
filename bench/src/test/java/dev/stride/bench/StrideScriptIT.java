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

/**
 * What the ./stride script adds around the jar: Spark's classpath and flags for the README's Spark command, and the
 * class-data archive that the first training run after a build writes and every later run maps.
 */
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

    @Test
    void theFirstTrainingRunWritesAClassArchiveAndTheNextRunLoadsFromIt() throws Exception {
        Path dir = ROOT.resolve("bench/target/cds");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
        }
        String[] train = {"bash", "stride", "train", "--limit", "256", "--epochs", "1", "--hidden-layers", "1", "--curves", "none", "--json"};
        JsonObject first = lastJson(run(null, train));
        assertEquals(1, first.get("epochs").getAsInt());
        List<Path> archives;
        try (var files = Files.list(dir)) {
            archives = files.filter(f -> f.toString().endsWith(".jsa")).toList();
        }
        assertEquals(1, archives.size(), "one archive, for this JVM: " + archives);

        Path classLog = Files.createTempFile("stride-classes", ".log");
        JsonObject second = lastJson(run("-Xlog:class+load:file=" + classLog, train));
        assertEquals(first.get("train_loss").getAsDouble(), second.get("train_loss").getAsDouble(), 0.0, "same run, same numbers");
        List<String> ours = Files.readAllLines(classLog).stream().filter(l -> l.contains(" dev.stride.")).toList();
        long mapped = ours.stream().filter(l -> l.contains("shared objects file")).count();
        assertTrue(mapped > 0.9 * ours.size(), mapped + " of " + ours.size() + " Stride classes came from the archive");
    }

    private static String run(String javaOpts, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(false);
        pb.environment().remove("STRIDE_CDS");
        if (javaOpts != null) pb.environment().put("STRIDE_JAVA_OPTS", javaOpts);
        Path err = Files.createTempFile("stride-cds", ".err");
        Process p = pb.redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "finished");
        assertEquals(0, p.exitValue(), out + Files.readString(err));
        return out;
    }

    private static JsonObject lastJson(String out) {
        List<String> lines = out.lines().toList();
        return JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
    }
}

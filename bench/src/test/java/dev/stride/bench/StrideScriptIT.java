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

/** The ./stride script: the JVM flags it adds, and the README's command for Spark, whose classpath only it adds. */
class StrideScriptIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** The JVM ./stride starts has profiled loop predicates off, unless STRIDE_JAVA_OPTS turns them back on. */
    @Test
    void scriptTurnsProfiledLoopPredicatesOffAndUserOptionsWin() throws Exception {
        assertEquals("false", predicateFlag("-XX:+PrintFlagsFinal"));
        assertEquals("true", predicateFlag("-XX:+UseProfiledLoopPredicate -XX:+PrintFlagsFinal"));
    }

    private static String predicateFlag(String javaOpts) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "stride", "--version").directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("STRIDE_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished");
        assertEquals(0, p.exitValue(), out);
        // "     bool UseProfiledLoopPredicate    = false    {C2 product} {command line}"
        String line = out.lines().filter(l -> l.contains(" UseProfiledLoopPredicate ")).findFirst().orElseThrow(() -> new AssertionError(out));
        return line.split("=")[1].trim().split("\\s+")[0];
    }

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

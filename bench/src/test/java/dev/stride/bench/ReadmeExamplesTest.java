package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of the README compiles and runs: each becomes the body of a main method (its imports above the
 * class), is compiled against the test class path and run in the repository root, where its paths point.
 */
class ReadmeExamplesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    static List<String> blocks() throws IOException {
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(ROOT.resolve("README.md")));
        List<String> out = new ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }

    @Test
    void everyJavaBlockCompilesAndRuns() throws Exception {
        List<String> blocks = blocks();
        assertTrue(blocks.size() >= 4, blocks.size() + " Java blocks");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String cp = System.getProperty("java.class.path");
        for (int i = 0; i < blocks.size(); i++) {
            StringBuilder imports = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String line : blocks.get(i).split("\\n")) (line.startsWith("import ") ? imports : body).append(line).append('\n');
            String name = "ReadmeExample" + i;
            Path src = dir.resolve(name + ".java");
            Files.writeString(src, imports + "public class " + name + " {\n public static void main(String[] args) throws Exception {\n"
                    + body + " }\n}\n");
            Path out = Files.createDirectories(dir.resolve("classes"));
            int compiled = javac.run(null, null, null, "-cp", cp, "-d", out.toString(), src.toString());
            assertEquals(0, compiled, "README block " + (i + 1) + " does not compile:\n" + blocks.get(i));
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "@" + ROOT.resolve("spark/jvm.args"),
                    "-Dlog4j.configurationFile=" + ROOT.resolve("spark/log4j2.properties"), "-cp", out + java.io.File.pathSeparator + cp, name)
                    .directory(ROOT.toFile()).redirectErrorStream(true).start();
            String printed = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), "README block " + (i + 1) + " failed:\n" + printed);
        }
        Files.deleteIfExists(ROOT.resolve("mlp.safetensors"));
    }
}

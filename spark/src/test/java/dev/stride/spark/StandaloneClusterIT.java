package dev.stride.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stride.backend.Backends;
import dev.stride.io.SafeTensors;
import dev.stride.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on this machine: a master and two workers, each its own JVM started from the Spark
 * jars, and {@code spark-submit} ({@code org.apache.spark.deploy.SparkSubmit}) of {@code target/stride-spark.jar}
 * to it. The workers' executors fetch the jar from the driver, as on a real cluster. The checkpoint the cluster
 * writes must equal, bit for bit, what the same training writes in local mode.
 */
class StandaloneClusterIT {
    private static final Path BASE = Path.of(System.getProperty("user.dir"));
    private final List<Process> processes = new ArrayList<>();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String sparkClasspath() throws IOException {
        return Files.readString(BASE.resolve("target/spark.classpath")).trim();
    }

    private Process start(Path logs, String name, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "@" + BASE.resolve("jvm.args"), "-Dlog4j.configurationFile=" + BASE.resolve("log4j2.properties"),
                "-cp", sparkClasspath()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve(name + ".log").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static void awaitPort(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IllegalStateException("exited early:\n" + Files.readString(log));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(300);
            }
        }
        throw new IllegalStateException("nothing listens on " + port + ":\n" + Files.readString(log));
    }

    @Test
    void aSubmittedTrainingOnTwoWorkersEqualsLocalMode(@TempDir Path dir) throws Exception {
        Path logs = Files.createDirectories(BASE.resolve("target/cluster-it"));
        // The workers launch executors from SPARK_HOME/jars: here, links to the Spark jars Maven resolved.
        Path jars = Files.createDirectories(dir.resolve("spark-home/jars"));
        for (String jar : sparkClasspath().split(java.io.File.pathSeparator)) {
            Path j = Path.of(jar);
            if (!Files.exists(jars.resolve(j.getFileName()))) Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
        }
        Map<String, String> env = Map.of("SPARK_HOME", dir.resolve("spark-home").toString(), "SPARK_SCALA_VERSION", "2.13",
                "SPARK_LOCAL_IP", "127.0.0.1");
        int masterPort = freePort();
        String master = "spark://127.0.0.1:" + masterPort;
        Path out = dir.resolve("cluster.safetensors");
        try {
            Process m = start(logs, "master", env, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    Integer.toString(masterPort), "--webui-port", Integer.toString(freePort()));
            awaitPort(masterPort, m, logs.resolve("master.log"));
            for (int w = 0; w < 2; w++) {
                start(logs, "worker" + w, env, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                        "--memory", "1g", "--webui-port", Integer.toString(freePort()), "--work-dir",
                        Files.createDirectories(dir.resolve("work" + w)).toString(), master);
            }
            Process submit = start(logs, "submit", env, "org.apache.spark.deploy.SparkSubmit", "--master", master,
                    "--class", "dev.stride.spark.SparkMain", "--conf", "spark.executor.memory=512m", "--conf", "spark.cores.max=2",
                    "--conf", "spark.executor.cores=1", "--conf", "spark.driver.host=127.0.0.1",
                    "--conf", "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector",
                    BASE.resolve("target/stride-spark.jar").toString(),
                    "--data", SparkJobTest.DIGITS.toString(), "--model", "mlp", "--hidden-layers", "1", "--epochs", "1",
                    "--batch-size", "64", "--partitions", "2", "--limit", "512", "--seed", "3", "--save", out.toString(), "--json");
            assertTrue(submit.waitFor(240, TimeUnit.SECONDS), "the submitted training finished in time");
            String log = Files.readString(logs.resolve("submit.log"));
            assertEquals(0, submit.exitValue(), log);
            String last = log.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(log));
            JsonObject summary = JsonParser.parseString(last).getAsJsonObject();
            assertTrue(summary.get("backend").getAsString().contains(master), last);
            assertTrue(summary.get("test_accuracy").getAsDouble() > 0.5, last);
            for (int w = 0; w < 2; w++) {
                try (var files = Files.walk(dir.resolve("work" + w))) {
                    assertTrue(files.anyMatch(f -> f.getFileName().toString().equals("stderr")), "worker " + w + " ran an executor");
                }
            }
        } finally {
            for (Process p : processes) p.destroy();
            for (Process p : processes) {
                if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
            }
        }
        Path local = dir.resolve("local.safetensors");
        new SparkJob("local[2]", SparkJobTest.DIGITS, "mlp", 1, 1, 64, 2, 1, dev.stride.optim.OptimizerSpec.of("adam", null), null,
                false, 0, 3, 512, local, null, false).run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        Map<String, Tensor> a = SafeTensors.load(local, Backends.defaultBackend()).tensors();
        Map<String, Tensor> b = SafeTensors.load(out, Backends.defaultBackend()).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
    }
}

package dev.stride.spark;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.data.Dataset;
import dev.stride.data.Mnist;
import dev.stride.data.Preprocessing;
import dev.stride.loss.Loss;
import dev.stride.optim.OptimizerSpec;
import dev.stride.optim.schedule.Schedule;
import dev.stride.random.Generator;
import dev.stride.train.Checkpoint;
import dev.stride.train.Models;
import dev.stride.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * One training of a named model on MNIST-format data on Spark, as {@code ./stride train --spark MASTER} and
 * {@code spark-submit stride-spark.jar} run it: checks the data, the master and the model on the driver before any
 * job, trains, evaluates on the test split after each epoch, checkpoints to {@code save} after each epoch and
 * resumes from {@code resume}.
 *
 * @param master {@code local[N]}, {@code local[N,F]} (F attempts per task), {@code spark://HOST:PORT}, or null
 *               for the one {@code spark-submit} sets
 * @param schedule the learning-rate schedule for a given number of steps per epoch, or null for a constant rate
 * @param scaling print the {@link ScalingModel} table from this run's measurements at the end
 */
public record SparkJob(String master, Path data, String model, int hiddenLayers, int epochs, int batchSize,
                       int partitions, int averageEvery, OptimizerSpec optimizer, IntFunction<Schedule> schedule,
                       boolean schedulePerStep, double clipNorm, long seed, int limit, Path save, Path resume,
                       boolean scaling) {
    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|[1-9]\\d*)(,\\s*[1-9]\\d*)?])?");

    /** Throws naming the master when it is malformed, or a standalone master that does not accept a connection. */
    static void checkMaster(String master) {
        if (master == null || LOCAL.matcher(master).matches()) return;
        if (!master.startsWith("spark://")) {
            if (master.startsWith("yarn") || master.startsWith("k8s://")) return;
            throw new IllegalArgumentException("--spark " + master + ": expected local, local[N], local[N,F] or spark://HOST:PORT");
        }
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--spark " + master + ": '" + hostPort + "' is not HOST:PORT");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(hostPort.substring(0, colon), port), 5000);
            } catch (IOException e) {
                throw new IllegalArgumentException("--spark " + master + ": cannot reach the Spark master at " + hostPort
                        + " (" + e.getMessage() + "); is it running?", e);
            }
        }
    }

    /** What a checkpoint of this job records, so that a resume under other settings is refused. */
    Map<String, String> recipe() {
        Map<String, String> r = new TreeMap<>();
        r.put("model", Models.describe(model, 0, 0, hiddenLayers));
        r.put("batch size", Integer.toString(batchSize));
        r.put("partitions", Integer.toString(partitions));
        r.put("average every", Integer.toString(averageEvery));
        r.put("optimizer", optimizer.toString());
        r.put("seed", Long.toString(seed));
        return r;
    }

    /** Trains; returns the summary that {@code --json} prints. */
    public JsonObject run(PrintWriter out, PrintWriter err) throws IOException {
        if (epochs <= 0 || batchSize <= 0) throw new IllegalArgumentException("--epochs and --batch-size must be positive");
        if (!Files.isDirectory(data)) throw new IOException(data + ": no such folder of MNIST-format IDX files");
        if (resume != null && !Files.isRegularFile(resume)) throw new IOException(resume + ": no such checkpoint");
        checkMaster(master);
        Mnist.Splits splits = Mnist.load(data).limit(limit);
        Dataset train = splits.train();
        Dataset test = splits.test();
        float[] ms = Preprocessing.meanStd(train);
        test = test.normalized(ms[0], ms[1]);
        MnistData source = new MnistData(data.toAbsolutePath().toString(), limit, ms[0], ms[1]);
        int inputs = train.sampleSize();
        int classes = train.classes();
        String name = model;
        int hidden = hiddenLayers;
        SparkTrainer.ModelFactory factory = () -> Models.create(name, inputs, classes, hidden);
        Backend be = Backends.defaultBackend();
        Generator.manualSeed(seed);
        // Partitions' sums come back in the task result itself up to 64 MB, not through the block manager (which Spark
        // uses above 1 MB by default): 10 ms less per step for the MLP's 1 MB of gradients, 30 ms per averaging round.
        SparkConf conf = new SparkConf().setAppName("stride " + model).setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.task.maxDirectResultSize", "64m");
        if (master != null) conf.setMaster(master);
        long begin = System.nanoTime();
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            SparkTrainer t = new SparkTrainer(sc, factory, optimizer, source, partitions, batchSize, averageEvery, seed);
            if (schedule != null) t.schedule(schedule.apply(t.stepsPerEpoch()), schedulePerStep);
            if (clipNorm > 0) t.clipNorm(clipNorm);
            if (resume != null) {
                Checkpoint.load(resume, t.model(), t.optimizer(), null, recipe());
                err.println("resumed from " + resume + " after epoch " + t.epochsDone());
            }
            SparkTrainer.EpochStats last = null;
            Trainer.Evaluation eval = null;
            long samples = 0;
            double trainSeconds = 0;
            while (t.epochsDone() < epochs) {
                last = t.trainEpoch((e, s, n, loss) -> { });
                samples += last.samples();
                trainSeconds += last.seconds();
                eval = Trainer.evaluate(t.model(), test, 512, be, Loss::crossEntropy);
                err.printf("epoch %d: train loss %.4f, train accuracy %.4f, test loss %.4f, test accuracy %.4f, %.1f s%n",
                        last.epoch() + 1, last.loss(), last.accuracy(), eval.loss(), eval.accuracy(), last.seconds());
                err.flush();
                if (save != null) Checkpoint.save(save, t.model(), t.optimizer(), null, recipe());
            }
            t.close();
            SparkTrainer.Timing timing = t.timing();
            JsonObject summary = new JsonObject();
            summary.addProperty("backend", "spark " + sc.master() + " (" + be.name() + ")");
            summary.addProperty("model", Models.describe(model, inputs, classes, hiddenLayers));
            summary.addProperty("optimizer", optimizer.name());
            summary.addProperty("epochs", epochs);
            summary.addProperty("batch_size", batchSize);
            summary.addProperty("partitions", partitions);
            summary.addProperty("average_every", averageEvery);
            summary.addProperty("seed", seed);
            if (last != null) {
                summary.addProperty("train_loss", round(last.loss(), 4));
                summary.addProperty("test_accuracy", round(eval.accuracy(), 4));
                summary.addProperty("train_seconds", round(trainSeconds, 3));
                summary.addProperty("samples_per_second", Math.round(samples / trainSeconds));
            }
            summary.addProperty("seconds", round((System.nanoTime() - begin) / 1e9, 3));
            summary.addProperty("spark_step_ms", round(timing.stepSeconds() * 1e3, 3));
            summary.addProperty("spark_compute_ms_per_step", round(timing.computePerStep() * 1e3, 3));
            summary.addProperty("spark_update_ms_per_job", round(timing.applyPerJob() * 1e3, 3));
            summary.addProperty("spark_overhead_ms_per_job", round(timing.overheadPerJob() * 1e3, 3));
            summary.addProperty("exchanged_bytes", averageEvery == 1 ? timing.syncBytes() : timing.averagingBytes());
            if (last != null) {
                out.printf("spark %s %s: %d epochs, train loss %.4f, test accuracy %.4f, %.1f s, %d samples/s; %.1f ms per step "
                                + "(compute %.1f per step; per job of %d step%s: driver update %.1f, Spark %.1f; %d bytes per partition)%n",
                        sc.master(), Models.describe(model, inputs, classes, hiddenLayers), epochs, last.loss(), eval.accuracy(),
                        (System.nanoTime() - begin) / 1e9, Math.round(samples / trainSeconds), timing.stepSeconds() * 1e3,
                        timing.computePerStep() * 1e3, averageEvery, averageEvery == 1 ? "" : "s", timing.applyPerJob() * 1e3,
                        timing.overheadPerJob() * 1e3, averageEvery == 1 ? timing.syncBytes() : timing.averagingBytes());
                if (scaling) out.print(timing.scaling().table(averageEvery > 1 ? averageEvery : 8));
            } else {
                out.println("nothing to train: the checkpoint has " + t.epochsDone() + " epochs, --epochs asks for " + epochs);
            }
            out.flush();
            return summary;
        }
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static String json(JsonObject o) {
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }
}

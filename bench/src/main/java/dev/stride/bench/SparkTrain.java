package dev.stride.bench;

import dev.stride.spark.SparkJob;
import java.io.PrintWriter;

/**
 * {@code stride train --spark MASTER}: the same training as {@code stride train}, data-parallel on Spark. A class of
 * its own so that Spark's classes load only when asked for (./stride puts them on the classpath for --spark).
 */
final class SparkTrain {
    private SparkTrain() {}

    static com.google.gson.JsonObject run(TrainCommand c, PrintWriter out, PrintWriter err) throws java.io.IOException {
        try {
            Class.forName("org.apache.spark.SparkContext");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("--spark needs Spark on the classpath: run ./stride (which adds spark/target/spark.classpath), "
                    + "or spark-submit spark/target/stride-spark.jar");
        }
        int partitions = c.partitions > 0 ? c.partitions : localThreads(c.spark);
        SparkJob job = new SparkJob(c.spark, c.opts.data, c.opts.model, c.hiddenLayers, c.epochs, c.batchSize, partitions,
                c.averageEvery, c.optimizer.spec(), steps -> c.schedule.create(c.optimizer.learningRate(), c.epochs, steps),
                c.schedule.perStep(), c.optimizer.clipNorm, c.opts.seed, c.limit, c.save, c.resume, c.scaling);
        return job.run(out, err);
    }

    /** One partition per local thread ({@code local[N]}, {@code local[N,F]}); 2 for {@code local[*]} and clusters. */
    static int localThreads(String master) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+).*").matcher(master);
        return m.matches() ? Integer.parseInt(m.group(1)) : master.equals("local") ? 1 : 2;
    }
}

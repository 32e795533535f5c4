package dev.stride.spark;

/**
 * Predicted step time of synchronous SGD and parameter averaging on N workers, from one run's measurements: the
 * partition's compute per step, the driver's update, Spark's fixed cost per job (scheduling, task launch,
 * serialization, result handling, measured on this machine with no network in between), and the bytes each
 * partition exchanges. Weak scaling: every worker keeps the run's per-partition batch.
 *
 * <p>Network: the weights go out by Spark's torrent broadcast (about one transfer time, whatever N) and the sums
 * come back through {@code treeAggregate} of depth 2, whose busiest link receives about {@code min(N, 2√N)}
 * messages. Parameter averaging pays job, network and update once per K steps but sends weights and optimizer
 * state. Not modelled: stragglers, the job cost growing with the task count, and averaging's loss of statistical
 * efficiency (K local steps do not equal K synchronous ones).
 */
public record ScalingModel(double computeSeconds, double applySeconds, double overheadSeconds, long syncBytes,
                           long averagingBytes) {
    // computeSeconds is per step; applySeconds (the driver's update) and overheadSeconds (Spark's job) are per job.
    public static final int[] WORKERS = {1, 2, 4, 8, 16, 32, 64};

    /** Seconds per step on {@code workers} workers over links of {@code bitsPerSecond}, exchanging every K steps. */
    public double stepSeconds(int workers, double bitsPerSecond, int averageEvery) {
        long bytes = averageEvery == 1 ? syncBytes : averagingBytes;
        double transfer = bytes * 8.0 / bitsPerSecond;
        double network = workers == 1 ? 0 : transfer * (1 + Math.min(workers, 2 * Math.sqrt(workers)));
        return computeSeconds + (overheadSeconds + network + applySeconds) / averageEvery;
    }

    /** Samples per second on {@code workers} workers over one process doing the same per-partition steps alone. */
    public double speedup(int workers, double bitsPerSecond, int averageEvery) {
        return workers * (computeSeconds + applySeconds) / stepSeconds(workers, bitsPerSecond, averageEvery);
    }

    /** The prediction for 1 to 64 workers at 1 and 10 Gbit/s, synchronous and averaging every {@code k} steps. */
    public String table(int k) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("measured: compute %.1f ms per step; per job, driver update %.1f ms and Spark %.1f ms; %d bytes "
                        + "each way (sync), %d (averaging)%n", computeSeconds * 1e3, applySeconds * 1e3, overheadSeconds * 1e3, syncBytes,
                averagingBytes));
        b.append(String.format("%7s | %-22s | %-22s | %-22s | %-22s%n", "workers", "sync 1 Gbit/s", "sync 10 Gbit/s",
                "avg K=" + k + " 1 Gbit/s", "avg K=" + k + " 10 Gbit/s"));
        for (int n : WORKERS) {
            b.append(String.format("%7d", n));
            for (int avg : new int[] {1, k}) {
                for (double bps : new double[] {1e9, 1e10}) {
                    b.append(String.format(" | %8.1f ms  %6.1fx ", stepSeconds(n, bps, avg) * 1e3, speedup(n, bps, avg)));
                }
            }
            b.append(String.format("%n"));
        }
        return b.toString();
    }
}

package dev.stride.bench;

import dev.stride.backend.Backend;
import dev.stride.testing.CountingBackend;
import java.io.PrintWriter;
import java.util.Map;

/**
 * {@code stride bench --ops MODEL --cold}: a training step's time per backend op from the JVM's start, block by block,
 * beside what the JIT compiled meanwhile. A 5-epoch run never reaches the settled step that {@code --ops} times; this
 * shows where its epochs go instead.
 */
final class ColdStart {
    /** Steps per block: one epoch of {@code ./stride train} on the digits it ships (8,000 samples, batch 128). */
    static final int STEPS = 63;
    static final int BLOCKS = 10;

    private ColdStart() {}

    static void print(PrintWriter out, String model, Backend be, CountingBackend counted, Runnable step) {
        long start = System.nanoTime();
        be.ready();
        out.printf("%s training steps from a cold start on %s: %.0f ms waiting for the backend's warm-up, then blocks of %d"
                + " steps%n", model, be.name(), (System.nanoTime() - start) / 1e6, STEPS);
        // The round trip after each block tells a block slowed by the host's placement of the CPUs from one slowed by the JIT.
        boolean cpu = be.name().equals("cpu");
        out.println("block  ms/step  in ops  jit ms  round trip ns  slowest ops (ms/step)");
        for (int b = 1; b <= BLOCKS; b++) {
            counted.resetTimes();
            long jit = BenchCommand.jitMillis();
            long t0 = System.nanoTime();
            for (int s = 0; s < STEPS; s++) step.run();
            double ms = (System.nanoTime() - t0) / 1e6 / STEPS;
            long compiled = jit < 0 ? -1 : BenchCommand.jitMillis() - jit;
            out.println(line(b, ms, counted.nanosByOp(), compiled, cpu ? BenchCommand.roundTripProbe() : Double.NaN));
            out.flush();
        }
    }

    /**
     * One block's row: its wall time and op time per step, the JIT's milliseconds (-1: not known), the round trip
     * after it (NaN: not measured) and the top 3 ops.
     */
    static String line(int block, double msPerStep, Map<String, Long> nanosByOp, long jitMillis, double roundTripNanos) {
        double inOps = nanosByOp.values().stream().mapToLong(Long::longValue).sum() / 1e6 / STEPS;
        StringBuilder top = new StringBuilder();
        nanosByOp.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(3)
                .forEach(e -> top.append(top.length() == 0 ? "" : ", ").append(e.getKey())
                        .append(String.format(" %.2f", e.getValue() / 1e6 / STEPS)));
        return String.format("%5d  %7.2f  %6.2f  %6s  %13s  %s", block, msPerStep, inOps, jitMillis < 0 ? "-" : Long.toString(jitMillis),
                Double.isNaN(roundTripNanos) ? "-" : String.format("%.0f", roundTripNanos), top);
    }
}

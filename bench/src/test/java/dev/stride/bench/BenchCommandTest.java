package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code stride bench} runs every workload and reports each against a baseline from the same run. */
class BenchCommandTest {
    @Test
    void aDeviceIsNeverHandedMoreThanAQuarterWindowOfWork() {
        // A stand-in device: a call only queues 200 us of work, and waiting runs what is queued. Timing windows by
        // the host's clock alone had queued millions of such calls per window.
        long[] queued = {0};
        long[] most = {0};
        Runnable step = () -> most[0] = Math.max(most[0], ++queued[0]);
        Runnable sync = () -> {
            long until = System.nanoTime() + Math.min(queued[0], 1_000) * 200_000;  // bounded, so a regression fails fast
            while (System.nanoTime() < until) Thread.onSpinWait();
            queued[0] = 0;
        };
        BenchCommand.Rate r = BenchCommand.measure(step, sync, 0.05, 0.2, () -> 0, () -> Double.NaN);
        // A window is 40 ms, so a quarter of one holds 50 calls of 200 us.
        assertTrue(most[0] <= 50, most[0] + " calls queued at once");
        assertTrue(r.max() <= 5_100 && r.min() > 500, r.toString());
    }

    /** A step that spins for {@code micros}, as a stand-in for work. */
    private static void spin(long micros) {
        long until = System.nanoTime() + micros * 1_000;
        while (System.nanoTime() < until) Thread.onSpinWait();
    }

    @Test
    void timesNothingUntilTheJitHasSettled() {
        // A stand-in JIT compiles during the first 200 calls, each of which takes 1 ms; later calls take 10 us. A
        // window that started with the 0.01 s warm-up would hold slow calls: its rate would fall to about 1,000.
        long[] calls = {0};
        Runnable step = () -> spin(calls[0]++ < 200 ? 1_000 : 10);
        BenchCommand.Rate r = BenchCommand.measure(step, () -> {}, 0.01, 0.2, () -> Math.min(calls[0], 200), () -> Double.NaN);
        assertTrue(r.min() > 20_000, r.toString());
        assertEquals(0, r.jitMillis(), r.toString());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aJitThatNeverSettlesIsWaitedForTenTimesTheWindowsAndReported() {
        long[] calls = {0};
        long start = System.nanoTime();
        BenchCommand.Rate r = BenchCommand.measure(() -> {
            calls[0]++;
            spin(100);
        }, () -> {}, 0.01, 0.1, () -> calls[0], () -> Double.NaN);
        double took = (System.nanoTime() - start) / 1e9;
        // 0.01 s of warm-up, at most 1 s of waiting, 0.1 s of windows.
        assertTrue(took > 1.0 && took < 1.6, took + " s");
        assertTrue(r.jitMillis() > 100, r.toString());
        // A JVM that does not measure its JIT: nothing to wait for (waiting as for a quiet JIT would add 0.5 s to
        // the 0.01 s of warm-up and 1 s of windows), and nothing to report.
        start = System.nanoTime();
        r = BenchCommand.measure(() -> spin(100), () -> {}, 0.01, 1.0, () -> -1, () -> Double.NaN);
        took = (System.nanoTime() - start) / 1e9;
        assertTrue(took < 1.3, took + " s");
        assertEquals(-1, r.jitMillis(), r.toString());
    }

    @Test
    void keepsTheLongestRoundTripReadBetweenWindows() {
        // The host moved the CPUs apart during the third window: the read after it says so, whatever came later.
        double[] reads = {70, 69, 330, 71, 68};
        int[] next = {0};
        BenchCommand.Rate r = BenchCommand.measure(() -> spin(10), () -> {}, 0.01, 0.05, () -> 0, () -> reads[next[0]++]);
        assertEquals(5, next[0]);
        assertEquals(330, r.roundTripNanos());
        // A backend whose threads are not the host's reads nothing, and nothing is reported.
        r = BenchCommand.measure(() -> spin(10), () -> {}, 0.01, 0.05, () -> 0, () -> Double.NaN);
        assertTrue(Double.isNaN(r.roundTripNanos()), r.toString());
        assertEquals(70, BenchCommand.longer(Double.NaN, 70));
        assertEquals(70, BenchCommand.longer(70, Double.NaN));
    }

    @Test
    void marksTheRowsTimedWhileTheCpusWereFarApart() {
        BenchCommand.Rate trip = new BenchCommand.Rate(70, 68, 72, 0, Double.NaN);
        List<BenchCommand.Row> rows = List.of(
                new BenchCommand.Row(BenchCommand.ROUND_TRIP, "ns", trip, "-", 1),
                new BenchCommand.Row("gemm 256", "GFLOP/s", new BenchCommand.Rate(190, 180, 200, 0, 139), "peak FMA", 0.9),
                new BenchCommand.Row("mlp training step", "samples/s", new BenchCommand.Rate(57_000, 55_000, 60_000, 0, 330), "-", 1),
                new BenchCommand.Row("rbm", "samples/s", new BenchCommand.Rate(9_000, 8_000, 10_000, 0, Double.NaN), "-", 1));
        // Twice the shortest read (the round-trip row's fastest window) and more: only the step.
        assertEquals(List.of("mlp training step"), BenchCommand.farApart(rows));
        assertEquals(68, BenchCommand.shortestTrip(rows));
        assertEquals(330, BenchCommand.longestTrip(rows));
        // A run that started far apart: the rows timed close together set the scale, and the start is marked.
        List<BenchCommand.Row> late = List.of(
                new BenchCommand.Row(BenchCommand.ROUND_TRIP, "ns", new BenchCommand.Rate(330, 320, 340, 0, Double.NaN), "-", 1),
                new BenchCommand.Row("gemm 256", "GFLOP/s", new BenchCommand.Rate(190, 180, 200, 0, 69), "peak FMA", 0.9));
        assertEquals(List.of(BenchCommand.ROUND_TRIP), BenchCommand.farApart(late));
        assertEquals(330, BenchCommand.longestTrip(late));
    }

    @Test
    void aRoundTripIsTimedPerTrip() {
        // Cross-core trips take 30-460 ns on the machines measured; the probe's 1,000 trips together take 30 us and more,
        // so a total not divided by the trips fails the bound, and so does a probe that times nothing.
        double ns = BenchCommand.roundTripProbe();
        assertTrue(ns > 5 && ns < 20_000, ns + " ns");
    }

    @Test
    void reportsEveryWorkloadWithItsRatio() {
        Cli r = Cli.run("bench", "--seconds", "0.05", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject top = r.json();
        assertEquals("cpu", top.get("backend").getAsString());
        int withRatio = 0;
        int spread = 0;
        for (JsonElement e : top.getAsJsonArray("results")) {
            JsonObject o = e.getAsJsonObject();
            assertTrue(o.get("value").getAsDouble() > 0, o.toString());
            if (o.get("min").getAsDouble() < o.get("max").getAsDouble()) {
                spread++;
                // What the JIT compiled while the windows ran: this JVM measures it.
                assertTrue(o.get("jit_ms").getAsLong() >= 0, o.toString());
            }
            if (o.has("ratio")) {
                withRatio++;
                assertTrue(o.get("ratio").getAsDouble() > 0, o.toString());
            }
        }
        assertEquals(23, top.getAsJsonArray("results").size(), r.out());
        assertTrue(r.out().contains("rbm CD-1 784x256, batch 128"), r.out());
        assertTrue(r.out().contains("min - max of 5"), r.out());
        // Every row is timed in windows, the ceilings too, and reports windows that differ.
        assertEquals(23, spread, r.out());
        assertEquals(16, withRatio);
        // The ceilings and the round trip again at the end, each as a ratio to its first measurement.
        List<JsonObject> rows = new ArrayList<>();
        top.getAsJsonArray("results").forEach(e -> rows.add(e.getAsJsonObject()));
        for (int i = 0; i < 3; i++) {
            JsonObject first = rows.get(i);
            JsonObject again = rows.get(rows.size() - 3 + i);
            assertEquals(first.get("workload").getAsString().replaceFirst(" \\(.*", ""),
                    again.get("workload").getAsString().replace(", again at the end", "").replace(" (2 threads)", ""), r.out());
            assertEquals(again.get("value").getAsDouble() / first.get("value").getAsDouble(), again.get("ratio").getAsDouble(), 0.01,
                    r.out());
        }
        assertTrue(r.out().contains("gemm 1024") && r.out().contains("x peak FMA") && r.out().contains("x array copy"), r.out());
        // Every workload between the ceilings carries the longest round trip read between its windows.
        for (JsonObject o : rows.subList(3, rows.size() - 3)) assertTrue(o.get("round_trip_ns").getAsDouble() > 0, o.toString());
    }

    /**
     * {@code --ops cnn}: every op a CNN step calls, with shares of the step that add up to no more than all of it,
     * measured after the warm-up.
     */
    @Test
    void opsSplitsAStepByBackendOp() {
        Cli r = Cli.run("bench", "--ops", "cnn");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("cnn training step, batch 128, Adam, on cpu: "), out);
        // Measured only once the JIT has had the training-step rows' warm-up (3 s at the default --seconds).
        java.util.regex.Matcher warm = java.util.regex.Pattern.compile("50 steps after ([0-9]+) of warm-up \\(([0-9.]+) s\\)").matcher(out);
        assertTrue(warm.find(), out);
        assertTrue(Integer.parseInt(warm.group(1)) >= 30 && Double.parseDouble(warm.group(2)) >= 3.0, out);
        double share = 0;
        for (String op : new String[] {"conv2d", "conv2dBackwardWeight", "batchNormRelu", "batchNormReluBackward", "maxPool2d",
                "maxPool2dBackward", "conv2dBackwardData", "dropout", "softmaxCrossEntropy", "optimizerStep", "gemm"}) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\n  " + op + " +[0-9.]+ ms +([0-9.]+)%").matcher(out);
            assertTrue(m.find(), op + " missing in\n" + out);
            share += Double.parseDouble(m.group(1));
        }
        assertTrue(share > 30 && share <= 100, "shares " + share + " in\n" + out);
    }

    /**
     * {@code --ops mlp --cold}: the wait for the warm-up, then one row per block of steps whose time in ops is part of
     * its wall time, beside the JIT's milliseconds and the round trip.
     */
    @Test
    void coldOpsShowsEachBlockBesideTheJit() {
        Cli r = Cli.run("bench", "--ops", "mlp", "--cold");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].matches("mlp training steps from a cold start on cpu: [0-9]+ ms waiting for the backend's warm-up, "
                + "then blocks of 63 steps"), lines[0]);
        java.util.regex.Pattern row = java.util.regex.Pattern.compile(
                " *([0-9]+) +([0-9.]+) +([0-9.]+) +([0-9]+) +([0-9]+) +gemm [0-9.]+, .+");
        for (int b = 1; b <= ColdStart.BLOCKS; b++) {
            java.util.regex.Matcher m = row.matcher(lines[1 + b]);
            assertTrue(m.matches(), lines[1 + b]);
            assertEquals(b, Integer.parseInt(m.group(1)));
            double wall = Double.parseDouble(m.group(2));
            double ops = Double.parseDouble(m.group(3));
            assertTrue(ops > 0 && ops <= wall + 0.01, lines[1 + b]);
            assertTrue(Double.parseDouble(m.group(5)) > 0, lines[1 + b]);
        }
        assertEquals(2 + ColdStart.BLOCKS, lines.length, r.out());
    }

    @Test
    void coldNeedsOps() {
        Cli r = Cli.run("bench", "--cold");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--cold needs --ops MODEL"), r.err());
    }

    /** A block's row divides the ops' time by the block's steps and names the three slowest, slowest first. */
    @Test
    void aColdRowIsPerStep() {
        java.util.Map<String, Long> nanos = new java.util.LinkedHashMap<>();
        nanos.put("reduce", 630_000L);
        nanos.put("gemm", 63_000_000L);
        nanos.put("fill", 63_000L);
        nanos.put("optimizerStep", 6_300_000L);
        assertEquals("    3     1.50    1.11      12            110  gemm 1.00, optimizerStep 0.10, reduce 0.01",
                ColdStart.line(3, 1.5, nanos, 12, 110.4));
        assertEquals("    1     2.00    0.00       -              -  ", ColdStart.line(1, 2, java.util.Map.of(), -1, Double.NaN));
    }
}

package dev.stride.bench;

import dev.stride.train.Models;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.backend.Distribution;
import dev.stride.backend.Gemm;
import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import dev.stride.backend.View;
import dev.stride.bench.jmh.GemmShape;
import dev.stride.loss.Loss;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Functional;
import dev.stride.nn.Init;
import dev.stride.nn.Module;
import dev.stride.optim.Adam;
import dev.stride.random.Generator;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stride bench}: the workloads of the JMH suite, each timed in this process after a warm-up and reported
 * as a ratio to a ceiling measured in the same run: compute-bound work against the peak FMA rate, memory-bound
 * work against a plain array copy. Quick by design (under two minutes); the JMH benchmarks are the careful version.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Time the main workloads against this machine's ceilings.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--backend", description = RunOptions.BACKEND_HELP)
    String backend;

    @Option(names = "--seconds", defaultValue = "1.0", description = "Measured seconds per workload (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--json", description = "Print the results as one JSON object on the last line.")
    boolean json;

    @Option(names = "--ops", paramLabel = "MODEL", description = "Instead: where one training step of MODEL (mlp, cnn, ...; "
            + "batch 128, Adam) spends its time, per backend op, averaged over 50 steps after a warm-up as long as the "
            + "training-step rows' (at least 3 s, then until the JIT has settled).")
    String ops;

    @Option(names = "--cold", description = "With --ops: the steps from the JVM's start instead, as a short training run "
            + "meets them: the wait for the backend's warm-up, then " + ColdStart.BLOCKS + " blocks of " + ColdStart.STEPS
            + " steps (an epoch of ./stride train), each with its time in ops and the JIT's compile time.")
    boolean cold;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Backend be;
    private final Generator gen = new Generator(1);

    /**
     * A measured rate: the median of {@link #WINDOWS} timing windows, the slowest and fastest window, and the
     * milliseconds the JIT spent compiling while the windows ran (-1 where the JVM does not say, 0 for no windows).
     */
    record Rate(double median, double min, double max, long jitMillis, double roundTripNanos) {
        static Rate exact(double v) {
            return new Rate(v, v, v, 0, Double.NaN);
        }

        /**
         * The median, slowest and fastest of the windows' rates (sorted in place), and the longest core-to-core round
         * trip read between them (NaN where none was).
         */
        static Rate of(double[] windows, long jitMillis, double roundTripNanos) {
            java.util.Arrays.sort(windows);
            return new Rate(windows[windows.length / 2], windows[0], windows[windows.length - 1], jitMillis, roundTripNanos);
        }

        Rate times(double k) {
            return new Rate(median * k, min * k, max * k, jitMillis, roundTripNanos);
        }
    }

    /**
     * The core-to-core round trip between two timing windows: the shortest of three short reads, so that a thread
     * descheduled for one read does not count, while the host's placement, which lasts seconds, does.
     */
    static double roundTripProbe() {
        double best = Double.POSITIVE_INFINITY;
        try {
            for (int i = 0; i < 3; i++) best = Math.min(best, Baselines.roundTripNanos(1_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
        return best;
    }

    /**
     * The round trip in {@link #WINDOWS} probes after a tenth of a second of them: the first reads after the CPUs
     * idled took microseconds a trip for tens of milliseconds.
     */
    static Rate roundTrip() throws Exception {
        long start = System.nanoTime();
        while (System.nanoTime() - start < 100_000_000L) roundTripProbe();
        return windows(BenchCommand::roundTripProbe);
    }

    /** The longer of two round trips, either of which may be unmeasured (NaN). */
    static double longer(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    /** Beyond this many times the run's shortest round trip, two-thread work ran on CPUs placed farther apart. */
    static final double FAR_APART = 3;

    /** Milliseconds the JIT compilers have spent so far, or -1 where the JVM does not measure them. */
    static long jitMillis() {
        java.lang.management.CompilationMXBean c = java.lang.management.ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
    }

    /** The share of a row's measured time that the JIT may spend compiling before the table notes it. */
    static final double JIT_NOTED = 0.02;

    /** Timing windows per workload: their spread shows a noisy figure as one. */
    static final int WINDOWS = 5;

    /** One row: a workload, what it produced per second (with its spread), and the ceiling it is compared with. */
    record Row(String workload, String unit, Rate value, String baseline, double ratio) {
        Row(String workload, String unit, double value, String baseline, double ratio) {
            this(workload, unit, Rate.exact(value), baseline, ratio);
        }
    }

    /** Runs {@code step} repeatedly for warm-up then {@link #seconds} in {@link #WINDOWS} windows; calls per second. */
    private Rate rate(Runnable step) {
        return rate(step, seconds * 0.5);
    }

    /** Each call runs in its own {@link dev.stride.tensor.MemoryScope}, as a training step does, so its temporaries are freed. */
    private Rate rate(Runnable body, double warmupSeconds) {
        Runnable step = () -> {
            try (dev.stride.tensor.MemoryScope scope = dev.stride.tensor.MemoryScope.open()) {
                body.run();
            }
        };
        return measure(step, be::synchronize, warmupSeconds, seconds, BenchCommand::jitMillis,
                be.name().equals("cpu") ? BenchCommand::roundTripProbe : () -> Double.NaN);
    }

    /**
     * Calls per second of {@code step} in {@link #WINDOWS} windows sharing {@code seconds}, after a warm-up. A device
     * backend only queues a call and {@code sync} waits for it: waiting after each warm-up call, and then often
     * enough that a quarter window at most is still queued when a window's time is up, keeps a window to its length
     * (on an H200, a quarter second of queueing had held a minute of GEMMs).
     * <p>After the warm-up the step keeps running until the JIT has compiled nothing for half of {@code seconds}
     * (for at most ten times {@code seconds} more): methods a step calls once reach C2 after thousands of calls, and
     * with a fixed warm-up of 3 s the MLP step's windows still held 0.17-0.23 s of C2 compiles (Optimizer.step,
     * Tensor.add, Autograd.propagate), one core of two taken from the step. What the JIT compiled during the windows
     * anyway is reported with the rate, and so is the longest of the {@code roundTrip} reads after each window.
     */
    static Rate measure(Runnable step, Runnable sync, double warmupSeconds, double seconds, LongSupplier jit,
                        java.util.function.DoubleSupplier roundTrip) {
        long[] warmupCalls = {0};
        Runnable warm = () -> {
            step.run();
            sync.run();
            warmupCalls[0]++;
        };
        long start = System.nanoTime();
        do {
            warm.run();
        } while (System.nanoTime() - start < warmupSeconds * 1e9);
        long compiled = settle(warm, seconds, jit);
        double window = seconds / WINDOWS * 1e9;
        long every = Math.max(1, (long) (window / 4 / ((System.nanoTime() - start) / (double) warmupCalls[0])));
        double[] r = new double[WINDOWS];
        double trip = Double.NaN;
        for (int w = 0; w < WINDOWS; w++) {
            long calls = 0;
            long t0 = System.nanoTime();
            do {
                step.run();
                if (++calls % every == 0) sync.run();
            } while (System.nanoTime() - t0 < window);
            sync.run();
            r[w] = calls / ((System.nanoTime() - t0) / 1e9);
            trip = longer(trip, roundTrip.getAsDouble());
        }
        return Rate.of(r, compiled < 0 ? -1 : jit.getAsLong() - compiled, trip);
    }

    /**
     * Runs {@code step} until the JIT has compiled nothing for half of {@code seconds}, for at most ten times
     * {@code seconds}; returns the JIT's total then (-1 where the JVM does not measure it, and nothing is waited for).
     */
    static long settle(Runnable step, double seconds, LongSupplier jit) {
        long start = System.nanoTime();
        long quietSince = start;
        long compiled = jit.getAsLong();
        while (compiled >= 0 && System.nanoTime() - quietSince < seconds / 2 * 1e9 && System.nanoTime() - start < seconds * 10 * 1e9) {
            step.run();
            long now = jit.getAsLong();
            if (now != compiled) {
                compiled = now;
                quietSince = System.nanoTime();
            }
        }
        return compiled;
    }

    private Storage random(long n) {
        Storage s = be.allocate(DType.F32, n);
        be.random(Distribution.UNIFORM, gen.seed(), gen.advance((n + 3) / 4), -1, 1, s, n);
        return s;
    }

    @Override
    public Integer call() throws Exception {
        // The CPU backend's JIT warm-up runs to its end before anything is timed: in the background it halved the
        // measured FMA peak and copy bandwidth, and without it the softmax ran at a third of the speed a training
        // run gets (see CpuWarmup). --cold leaves it in the background, where a training run has it.
        if (cold && ops == null) throw new CommandLine.ParameterException(spec.commandLine(), "--cold needs --ops MODEL");
        if (!cold) System.setProperty("stride.cpu.warmup", "sync");
        be = Backends.select(backend);
        Backends.setDefault(be);
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (ops != null) return ops(out);
        int threads = Runtime.getRuntime().availableProcessors();
        if (!be.name().equals("cpu")) return device(out, err);
        err.println("measuring ceilings on " + threads + " threads...");
        Rate peakRate;
        String peakName = "peak FMA (vector API, " + threads + " threads)";
        String ceiling = "peak FMA";
        double window = Math.max(seconds, 0.5) / WINDOWS;
        Callable<Rate> peakAgain = () -> windows(() -> VectorPeak.peakFlops(threads, window));
        try {
            // Compiled before it is timed: measured cold, the loop's first tenth of a second ran in the slower tiers and
            // the ceiling read 12-15% below the same loop at the end of the run, in every run.
            VectorPeak.peakFlops(threads, 0.2);
            peakRate = peakAgain.call();
        } catch (LinkageError e) {
            // Without --add-modules jdk.incubator.vector (the stride script adds it) the best GEMM stands in.
            err.println("jdk.incubator.vector is not enabled; using GEMM n=1024 as the compute ceiling");
            peakRate = gemm("1024");
            peakName = "compute ceiling (gemm 1024; no vector API)";
            ceiling = "gemm 1024";
            peakAgain = () -> gemm("1024");
        }
        double peak = peakRate.median();
        Callable<Rate> copyAgain = () -> windows(() -> Baselines.copyBandwidth(threads, window));
        Rate copyRate = copyAgain.call();
        Rate trip = roundTrip();
        Ceilings ceilings = new Ceilings(ceiling, peak, peakAgain, "array copy", copyRate.median(), copyAgain, trip.median());
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(peakName, "GFLOP/s", peakRate.times(1e-9), "-", 1));
        rows.add(new Row("array copy (" + threads + " threads)", "GB/s", copyRate.times(1e-9), "-", 1));
        rows.add(new Row(ROUND_TRIP, "ns", trip, "-", 1));
        for (String shape : new String[] {"256", "512", "1024", "2048", "128x256x784:nt", "256x784x128:tn"}) {
            err.println("gemm " + shape);
            Rate flops = gemm(shape);
            rows.add(new Row("gemm " + shape, "GFLOP/s", flops.times(1e-9), ceiling, flops.median() / peak));
        }
        for (int layer = 1; layer <= 2; layer++) {
            err.println("conv" + layer);
            Rate flops = conv(layer);
            rows.add(new Row("conv" + layer + " fwd+bwd, batch 128", "GFLOP/s", flops.times(1e-9), ceiling, flops.median() / peak));
        }
        return finish(out, err, rows, ceilings);
    }

    /**
     * The run's two ceilings, compute and memory, as measured first and how to measure each again. On a shared
     * machine both moved by a third between runs minutes apart, and a training step's figure with them.
     */
    private record Ceilings(String compute, double peak, Callable<Rate> peakAgain, String memory, double copy,
                            Callable<Rate> copyAgain, double roundTrip) {}

    /** Where two threads' CPUs stand: a host that moves them apart slows every op the two share (see Baselines). */
    static final String ROUND_TRIP = "core-to-core round trip";

    /**
     * A ceiling in {@link #WINDOWS} back-to-back measurements, so that its spread shows the machine's own noise in
     * the same run: on the shared development VM a register-only FMA loop dipped from 220 to 118-190 GFLOP/s in 14 of
     * 300 tenth-of-a-second windows over 30 s.
     */
    static Rate windows(Callable<Double> once) throws Exception {
        long compiled = jitMillis();
        double[] r = new double[WINDOWS];
        for (int w = 0; w < WINDOWS; w++) r[w] = once.call();
        return Rate.of(r, compiled < 0 ? -1 : jitMillis() - compiled, Double.NaN);
    }

    /** Beyond this, the machine changed speed during the run. */
    static final double CEILING_DRIFT = 0.1;

    /** The memory-bound ops against the copy ceiling, the training steps, the ceilings again, then the table. */
    private int finish(PrintWriter out, PrintWriter err, List<Row> rows, Ceilings c) throws Exception {
        double copy = c.copy();
        err.println("memory-bound ops");
        rows.addAll(memoryBound(copy, c.memory()));
        for (String model : new String[] {"mlp", "cnn"}) {
            err.println(model + " training step");
            rows.add(new Row(model + " training step, batch 128, Adam", "samples/s", trainStep(model), "-", Double.NaN));
        }
        err.println("classifier: one vector at a time, then one matrix product");
        Rate[] vec = vectorization();
        rows.add(new Row("linear classifier 10x3073, 500 one at a time", "vectors/s", vec[0], "-", Double.NaN));
        rows.add(new Row("linear classifier 10x3073, 500 as one GEMM", "vectors/s", vec[1], "one at a time",
                vec[1].median() / vec[0].median()));
        err.println("rbm CD-1 step");
        rows.add(new Row("rbm CD-1 784x256, batch 128, SGD", "samples/s", rbmStep(), "-", Double.NaN));
        // Measured again at the end, so that a machine that slowed or sped up during the run shows as such instead of
        // as a change in the figures between them.
        err.println("ceilings again");
        Rate peakEnd = c.peakAgain().call();
        Rate copyEndRate = c.copyAgain().call();
        double peak = peakEnd.median();
        double copyEnd = copyEndRate.median();
        rows.add(new Row(c.compute() + ", again at the end", "GFLOP/s", peakEnd.times(1e-9), c.compute(), peak / c.peak()));
        rows.add(new Row(c.memory() + ", again at the end", "GB/s", copyEndRate.times(1e-9), c.memory(), copyEnd / copy));
        if (!Double.isNaN(c.roundTrip())) {
            Rate tripEnd = roundTrip();
            rows.add(new Row(ROUND_TRIP + ", again at the end", "ns", tripEnd, ROUND_TRIP, tripEnd.median() / c.roundTrip()));
        }
        List<String> farRows = farApart(rows);
        print(out, rows, farRows);
        int far = farRows.size();
        if (far > 0) {
            err.printf("%d rows were timed while the two threads' CPUs stood farther apart (%s up to %.0f ns, against %.0f at "
                    + "its shortest; marked \"CPUs far apart\"): the host places them, two-thread work slows then, and those "
                    + "figures do not compare with another run's%n", far, ROUND_TRIP, longestTrip(rows), shortestTrip(rows));
        }
        if (Math.abs(peak / c.peak() - 1) > CEILING_DRIFT || Math.abs(copyEnd / copy - 1) > CEILING_DRIFT) {
            err.printf("the machine's ceilings moved during this run (%s %+.0f%%, %s %+.0f%%): other processes share it, and "
                    + "figures from this run do not compare with another run's%n", c.compute(), 100 * (peak / c.peak() - 1),
                    c.memory(), 100 * (copyEnd / copy - 1));
        }
        return 0;
    }

    /**
     * A device's own ceilings: its GEMM at n = 4096 (cuBLAS where the backend uses it) for compute, a device-to-device
     * copy for memory; the CPU's FMA peak and array copy say nothing about it.
     */
    private int device(PrintWriter out, PrintWriter err) throws Exception {
        err.println("measuring " + be.name() + "'s ceilings...");
        Rate peakRate = gemm("4096");
        Rate copyRate = deviceCopy(32 << 20);
        double peak = peakRate.median();
        double copy = copyRate.median();
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("gemm 4096 (compute ceiling)", "GFLOP/s", peakRate.times(1e-9), "-", 1));
        rows.add(new Row("device copy, 32M floats", "GB/s", copyRate.times(1e-9), "-", 1));
        for (String shape : new String[] {"1024", "128x256x784:nt"}) {
            Rate flops = gemm(shape);
            rows.add(new Row("gemm " + shape, "GFLOP/s", flops.times(1e-9), "gemm 4096", flops.median() / peak));
        }
        return finish(out, err, rows, new Ceilings("gemm 4096", peak, () -> gemm("4096"), "device copy", copy,
                () -> deviceCopy(32 << 20), Double.NaN));
    }

    /** Bytes read plus written per second by a contiguous copy of {@code n} floats on the backend. */
    private Rate deviceCopy(int n) {
        Storage a = random(n);
        Storage b = be.allocate(DType.F32, n);
        return rate(() -> be.copy(View.contiguous(a, n), View.contiguous(b, n))).times(8.0 * n);
    }

    private Rate gemm(String shape) {
        Gemm g = GemmShape.random(be, shape);
        return rate(() -> be.gemm(g)).times(g.flops());
    }

    private Rate conv(int layer) {
        int cin = layer == 1 ? 1 : 16;
        int cout = layer == 1 ? 16 : 32;
        int side = layer == 1 ? 28 : 14;
        Conv2d conv = new Conv2d(cin, cout, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, be, gen);
        Tensor x = Tensor.rand(be, gen, -1, 1, 128, cin, side, side).requiresGrad(true);
        Tensor dy = Tensor.rand(be, gen, -1, 1, 128, cout, side, side);
        double flops = 3.0 * 2 * 128 * cout * side * side * cin * 9;
        return rate(() -> {
            conv.zeroGrad();
            x.setGrad(null);
            conv.forward(x).backward(dy);
        }).times(flops);
    }

    private List<Row> memoryBound(double copy, String copyName) {
        List<Row> rows = new ArrayList<>();
        int n = 10_000_000;
        Storage x = random(n);
        Storage y = be.allocate(DType.F32, n);
        Storage dy = random(n);
        Storage dx = be.allocate(DType.F32, n);
        long[] step = {0};
        // As in training: each step a new Philox offset, so the forward draws its mask and the backward reuses it.
        Rate drop = rate(() -> {
            long offset = step[0]++;
            be.dropout(View.contiguous(x, n), 0.25f, 7, offset, y);
            be.dropout(View.contiguous(dy, n), 0.25f, 7, offset, dx);
        }).times(16.0 * n);
        rows.add(new Row("dropout fwd+bwd, 10M", "GB/s", drop.times(1e-9), copyName, drop.median() / copy));
        Update.Adam adam = new Update.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0, false, false, 0.1, 0.001);
        List<Storage> p = List.of(random(n));
        List<Storage> g = List.of(random(n));
        List<Storage[]> s = List.<Storage[]>of(new Storage[] {random(n), be.allocate(DType.F32, n)});
        Rate a = rate(() -> be.optimizerStep(adam, p, g, s)).times(28.0 * n);
        rows.add(new Row("fused Adam step, 10M parameters", "GB/s", a.times(1e-9), copyName, a.median() / copy));
        Tensor bnX = Tensor.rand(be, gen, -1, 1, 128, 32, 14, 14).requiresGrad(true);
        Tensor gamma = Tensor.full(be, 1f, 32).requiresGrad(true);
        Tensor beta = Tensor.zeros(be, 32).requiresGrad(true);
        Tensor rm = Tensor.zeros(be, 32);
        Tensor rv = Tensor.full(be, 1f, 32);
        Tensor bnDy = Tensor.rand(be, gen, -1, 1, 128, 32, 14, 14);
        // Leaves' gradients are cleared each time, as a training step's zeroGrad does, so that no accumulation is timed.
        Rate bn = rate(() -> {
            for (Tensor t : new Tensor[] {bnX, gamma, beta}) t.setGrad(null);
            Functional.batchNorm(bnX, gamma, beta, rm, rv, true, 0.1f, 1e-5f).backward(bnDy);
        }).times(20.0 * bnX.numel());
        rows.add(new Row("batch norm fwd+bwd, 128x32x14x14", "GB/s", bn.times(1e-9), copyName, bn.median() / copy));
        Tensor logits = Tensor.rand(be, gen, -4, 4, 1024, 1000).requiresGrad(true);
        int[] labels = new int[1024];
        for (int i = 0; i < labels.length; i++) labels[i] = (i * 37) % 1000;
        Tensor y2 = Tensor.ofInts(be, labels, 1024);
        Rate ce = rate(() -> {
            logits.setGrad(null);
            Loss.crossEntropy(logits, y2).backward();
        }).times(16.0 * logits.numel());
        rows.add(new Row("softmax cross-entropy fwd+bwd, 1024x1000", "GB/s", ce.times(1e-9), copyName, ce.median() / copy));
        return rows;
    }

    /** The per-op time table of {@code --ops}: each backend call of a training step, timed through a counting wrapper. */
    private int ops(PrintWriter out) {
        dev.stride.testing.CountingBackend counted = new dev.stride.testing.CountingBackend(be);
        Backends.setDefault(counted);
        try {
            if (cold) be.expect(Models.usesSpatialOps(ops));
            Step step = Step.of(ops, counted, gen);
            Runnable scoped = () -> {
                try (dev.stride.tensor.MemoryScope scope = dev.stride.tensor.MemoryScope.open()) {
                    step.run();
                    counted.synchronize();
                }
            };
            if (cold) {
                ColdStart.print(out, ops, be, counted, scoped);
                return 0;
            }
            // As long as the training-step rows' warm-up, and then until the JIT has settled as they do: after 30 steps
            // (0.2 s of an MLP) C2 was still compiling through the measured steps, which then showed twice the GEMM
            // time of a settled run.
            long warmup = System.nanoTime();
            int[] warmSteps = {0};
            for (; warmSteps[0] < 30 || System.nanoTime() - warmup < trainWarmupSeconds() * 1e9; warmSteps[0]++) scoped.run();
            settle(() -> {
                scoped.run();
                warmSteps[0]++;
            }, seconds, BenchCommand::jitMillis);
            counted.resetTimes();
            int steps = 50;
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) scoped.run();
            double wall = (System.nanoTime() - start) / 1e6 / steps;
            java.util.Map<String, Long> nanos = counted.nanosByOp();
            double inOps = nanos.values().stream().mapToLong(Long::longValue).sum() / 1e6 / steps;
            out.printf("%s training step, batch 128, Adam, on %s: %.2f ms (%.0f samples/s), %.2f ms of it in backend ops; "
                    + "%d steps after %d of warm-up (%.1f s)%n", ops, be.name(), wall, 128 / wall * 1000, inOps, steps, warmSteps[0],
                    (start - warmup) / 1e9);
            nanos.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .forEach(e -> out.printf("  %-30s %7.2f ms  %5.1f%%%n", e.getKey(), e.getValue() / 1e6 / steps,
                            100 * e.getValue() / 1e6 / steps / wall));
            out.flush();
            return 0;
        } finally {
            Backends.setDefault(be);
        }
    }

    private double trainWarmupSeconds() {
        return Math.max(3, seconds * 0.5);
    }

    private Rate trainStep(String model) {
        Step step = Step.of(model, be, gen);
        // A whole step holds dozens of hot methods; C2 needs a few seconds to settle them (measured: about half
        // speed during the first two seconds of an MLP run).
        return rate(step::run, trainWarmupSeconds()).times(128);
    }

    /** One Adam step of a model on a fixed random batch of 128 digits: what the step rows and {@code --ops} time. */
    private record Step(Module net, Adam opt, Tensor x, Tensor labels) {
        static Step of(String model, Backend b, Generator gen) {
            Generator.manualSeed(3);
            Module net = Models.create(model, 784, 10);
            Adam opt = new Adam(net.parameters(), 1e-3f);
            Tensor x = Tensor.rand(b, gen, 0, 1, 128, 1, 28, 28);
            int[] y = new int[128];
            for (int i = 0; i < y.length; i++) y[i] = i % 10;
            return new Step(net, opt, x, Tensor.ofInts(b, y, 128));
        }

        void run() {
            opt.zeroGrad();
            Loss.crossEntropy(net.forward(x), labels).backward();
            opt.step();
        }
    }

    /**
     * The vectorization lesson: scores of a linear classifier {@code W [10, 3073]} for 500 vectors, computed one
     * vector at a time and as one matrix product; vectors per second for each.
     */
    private Rate[] vectorization() {
        Tensor w = Tensor.rand(be, gen, -0.01f, 0.01f, 10, 3073).persist();
        Tensor x = Tensor.rand(be, gen, 0, 1, 500, 3073).persist();
        Rate one;
        Rate batched;
        try (dev.stride.autograd.NoGrad ignored = dev.stride.autograd.NoGrad.enter()) {
            one = rate(() -> {
                try (dev.stride.tensor.MemoryScope s = dev.stride.tensor.MemoryScope.open()) {
                    for (int i = 0; i < 500; i++) x.slice(0, i, i + 1).matmul(w.t());
                }
            }).times(500);
            batched = rate(() -> {
                try (dev.stride.tensor.MemoryScope s = dev.stride.tensor.MemoryScope.open()) {
                    x.matmul(w.t());
                }
            }).times(500);
        }
        w.close();
        x.close();
        return new Rate[] {one, batched};
    }

    /** One contrastive-divergence update of a 784x256 RBM (a Gibbs step, the free energies, their gradient, SGD). */
    private Rate rbmStep() {
        dev.stride.nn.Rbm rbm = new dev.stride.nn.Rbm(784, 256, dev.stride.nn.Rbm.Visible.BERNOULLI, be, new Generator(3));
        var training = new dev.stride.train.RbmTraining(rbm, dev.stride.optim.Sgd.options().lr(0.05f).momentum(0.5f)
                .build(rbm.parameters()), 1, false, new Generator(4));
        Tensor x = dev.stride.nn.Rbm.bernoulli(Tensor.full(be, 0.2f, 128, 784), gen).persist();
        Rate r = rate(() -> {
            try (dev.stride.tensor.MemoryScope ignored = dev.stride.tensor.MemoryScope.open()) {
                training.step(x);
            }
        }, Math.max(3, seconds * 0.5)).times(128);
        x.close();
        return r;
    }

    /** The rows timed while a round trip read more than {@link #FAR_APART} times the run's shortest. */
    static List<String> farApart(List<Row> rows) {
        double shortest = shortestTrip(rows);
        List<String> far = new ArrayList<>();
        for (Row r : rows) {
            if (roundTripOf(r) > FAR_APART * shortest) far.add(r.workload);
        }
        return far;
    }

    /** The round trip a row was timed with: a round-trip row's own median, any other row's longest read. */
    static double roundTripOf(Row r) {
        return r.workload.startsWith(ROUND_TRIP) ? r.value.median() : r.value.roundTripNanos();
    }

    /** The shortest round trip the run read: the round-trip rows' fastest window, or any row's reads. */
    static double shortestTrip(List<Row> rows) {
        double shortest = Double.POSITIVE_INFINITY;
        for (Row r : rows) {
            if (r.workload.startsWith(ROUND_TRIP)) shortest = Math.min(shortest, r.value.min());
            if (!Double.isNaN(r.value.roundTripNanos())) shortest = Math.min(shortest, r.value.roundTripNanos());
        }
        return shortest;
    }

    static double longestTrip(List<Row> rows) {
        double longest = Double.NaN;
        for (Row r : rows) longest = longer(longest, roundTripOf(r));
        return longest;
    }

    private void print(PrintWriter out, List<Row> rows, List<String> far) {
        out.printf("%-44s %12s  %-21s  %-10s  %s%n", "workload", "median", "min - max of " + WINDOWS, "unit", "ratio to baseline");
        for (Row r : rows) {
            String ratio = Double.isNaN(r.ratio) || r.baseline.equals("-") ? "" : String.format("%.2f x %s", r.ratio, r.baseline);
            String spread = r.value.min() == r.value.max() ? "" : String.format("%.1f - %.1f", r.value.min(), r.value.max());
            // A figure taken while the JIT still compiled is not the steady one, and says so.
            if (r.value.jitMillis() > seconds * 1000 * JIT_NOTED) ratio += String.format("  (JIT compiling %d ms of it)", r.value.jitMillis());
            if (far.contains(r.workload)) ratio += String.format("  (round trip %.0f ns: CPUs far apart)", roundTripOf(r));
            out.printf("%-44s %12.1f  %-21s  %-10s  %s%n", r.workload, r.value.median(), spread, r.unit, ratio);
        }
        if (json) {
            JsonArray arr = new JsonArray();
            for (Row r : rows) {
                JsonObject o = new JsonObject();
                o.addProperty("workload", r.workload);
                o.addProperty("unit", r.unit);
                o.addProperty("value", Math.round(r.value.median() * 100) / 100.0);
                o.addProperty("min", Math.round(r.value.min() * 100) / 100.0);
                o.addProperty("max", Math.round(r.value.max() * 100) / 100.0);
                if (r.value.min() != r.value.max()) o.addProperty("jit_ms", r.value.jitMillis());
                if (!Double.isNaN(r.value.roundTripNanos())) o.addProperty("round_trip_ns", Math.round(r.value.roundTripNanos()));
                if (!r.baseline.equals("-")) {
                    o.addProperty("baseline", r.baseline);
                    o.addProperty("ratio", Math.round(r.ratio * 1000) / 1000.0);
                }
                arr.add(o);
            }
            JsonObject top = new JsonObject();
            top.addProperty("backend", be.name());
            top.add("results", arr);
            out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(top));
        }
        out.flush();
    }
}

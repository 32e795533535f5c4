package dev.stride.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The machine's own figures, measured in the same process as the workloads they are compared with: a parallel array
 * copy (the memory ceiling) and the time a cache line takes between two threads and back.
 */
final class Baselines {
    private Baselines() {}

    /** Bytes per second (read + write) of {@code System.arraycopy} of 64 MB per thread. */
    static double copyBandwidth(int threads, double seconds) throws Exception {
        return parallel(threads, () -> {
            float[] a = new float[1 << 24];
            float[] b = new float[1 << 24];
            System.arraycopy(a, 0, b, 0, a.length);
            long t0 = System.nanoTime();
            long copies = 0;
            while (System.nanoTime() - t0 < seconds * 1e9) {
                System.arraycopy(a, 0, b, 0, a.length);
                copies++;
            }
            return copies * 8.0 * a.length / ((System.nanoTime() - t0) / 1e9);
        });
    }

    /**
     * Nanoseconds per round trip of a counter that two threads take turns to increment. On the shared 2-vCPU
     * development VM it read 68-70 ns, except in spells of seconds to minutes that read 315-460 ns, when the host ran
     * the two vCPUs farther apart; in those spells a two-thread MLP step ran slower than a one-thread one.
     */
    static double roundTripNanos(int trips) throws InterruptedException {
        // The partner announces itself first (-1 to 0), so that the timing leaves out the thread's start.
        AtomicLong turn = new AtomicLong(-1);
        Thread partner = new Thread(() -> {
            turn.set(0);
            for (long i = 0; i < trips; i++) {
                awaitTurn(turn, 2 * i + 1);
                turn.set(2 * i + 2);
            }
        }, "stride-bench-round-trip");
        partner.setDaemon(true);
        partner.start();
        awaitTurn(turn, 0);
        long t0 = System.nanoTime();
        for (long i = 0; i < trips; i++) {
            turn.set(2 * i + 1);
            awaitTurn(turn, 2 * i + 2);
        }
        long nanos = System.nanoTime() - t0;
        partner.join();
        return nanos / (double) trips;
    }

    /** Spins until {@code turn} reads {@code value}, yielding now and then so that one CPU alone still gets through. */
    private static void awaitTurn(AtomicLong turn, long value) {
        for (int spins = 1; turn.get() != value; spins++) {
            if (spins % 10_000 == 0) Thread.yield();
            else Thread.onSpinWait();
        }
    }

    static double parallel(int threads, Callable<Double> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Double>> fs = new ArrayList<>();
            for (int i = 0; i < threads; i++) fs.add(pool.submit(task));
            double total = 0;
            for (Future<Double> f : fs) total += f.get();
            return total;
        } finally {
            pool.shutdownNow();
        }
    }
}

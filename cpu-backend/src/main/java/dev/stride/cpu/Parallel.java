package dev.stride.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one fork-join pool, sized to the cores, that every CPU op shares. Parallel regions never nest:
 * a region started from a pool thread runs inline, so GEMM inside a parallel op cannot oversubscribe.
 */
final class Parallel {
    static final int THREADS = Integer.getInteger("stride.cpu.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS);

    private Parallel() {}

    @FunctionalInterface
    interface Range {
        void run(long start, long end);
    }

    /** Runs {@code body} over [0, n) in chunks of at least {@code grain}, on up to {@link #THREADS} threads. */
    static void forRange(long n, long grain, Range body) {
        long chunks = Math.min((n + grain - 1) / Math.max(grain, 1), THREADS * 4L);
        if (chunks <= 1 || THREADS == 1 || ForkJoinTask.inForkJoinPool()) {
            if (n > 0) body.run(0, n);
            return;
        }
        List<RecursiveAction> tasks = new ArrayList<>((int) chunks);
        for (long c = 0; c < chunks; c++) {
            long s = n * c / chunks;
            long e = n * (c + 1) / chunks;
            tasks.add(new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(s, e);
                }
            });
        }
        POOL.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                invokeAll(tasks);
            }
        });
    }
}

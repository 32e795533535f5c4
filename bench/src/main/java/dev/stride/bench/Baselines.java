package dev.stride.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The memory ceiling, measured in the same process as the workloads it is compared with: a parallel array copy. */
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

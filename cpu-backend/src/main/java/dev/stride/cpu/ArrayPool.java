package dev.stride.cpu;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Float arrays kept when their storage is released, for the next allocation of the same length. A fresh array of a
 * megabyte or more is a G1 humongous allocation: zeroed by the JVM, often page-faulted in, and reclaimed only by a
 * concurrent cycle; a 4 MB activation or gradient cost about 1 ms that way, against 0.3 ms to clear a kept one. Smaller
 * ones are kept too: an MLP step makes a dozen of 16 KB to 800 KB, which the JVM zeroes on every allocation and which
 * an op that writes them whole ({@link CpuStorage#whole()}) never needs cleared (allocation measured 0.4-0.5 ms of a
 * 5 ms MLP step fresh, 0.06-0.11 ms pooled). Under 16 KB a fresh array is cheaper than the pool's bookkeeping. The
 * pool holds at most an eighth of the heap (and 512 MB); past that, released arrays go to the garbage collector.
 */
final class ArrayPool {
    static final int MIN_LENGTH = 1 << 12;
    private static final long CAPACITY = Math.min(512L << 20, Runtime.getRuntime().maxMemory() / 8);
    private static final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<float[]>> FREE = new ConcurrentHashMap<>();
    private static final AtomicLong BYTES = new AtomicLong();

    private ArrayPool() {}

    /** A kept array of exactly {@code n} floats, contents undefined, or null when there is none. */
    static float[] take(int n) {
        if (n < MIN_LENGTH) return null;
        ConcurrentLinkedDeque<float[]> q = FREE.get(n);
        float[] a = q == null ? null : q.pollFirst();
        if (a != null) BYTES.addAndGet(-4L * n);
        return a;
    }

    /** Zero-fills {@code a} on every core. */
    static void clear(float[] a) {
        Parallel.forRange(a.length, 1 << 16, (from, to) -> Arrays.fill(a, (int) from, (int) to, 0f));
    }

    /** Keeps {@code a} for reuse; its owner must not touch it again. */
    static void give(float[] a) {
        if (a == null || a.length < MIN_LENGTH) return;
        if (BYTES.addAndGet(4L * a.length) > CAPACITY) {
            BYTES.addAndGet(-4L * a.length);
            return;
        }
        FREE.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>()).addFirst(a);
    }

    /** Bytes held for reuse now. */
    static long bytes() {
        return BYTES.get();
    }
}

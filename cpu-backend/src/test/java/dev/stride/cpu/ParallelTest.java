package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyIndexRunsExactlyOnceAndNestedRegionsStayOnTheirThread() {
        int n = 100_003;
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        Set<Boolean> nestedOnSameThread = ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 50; round++) {
            Parallel.forRange(n, 1000, (s, e) -> {
                for (long i = s; i < e; i++) hits.incrementAndGet((int) i);
                Thread outer = Thread.currentThread();
                Parallel.forRange(8, 1, (a, b) -> nestedOnSameThread.add(Thread.currentThread() == outer));
            });
        }
        for (int i = 0; i < n; i++) assertEquals(50, hits.get(i), "index " + i);
        assertEquals(Set.of(true), nestedOnSameThread);
    }

    /** Regions microseconds apart share one lingering helper, which leaves once they stop. */
    @Test
    void aHelperStaysForTheNextRegionAndThenLeaves() throws InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Parallel.THREADS > 1, "one thread: no helpers");
        AtomicIntegerArray hits = new AtomicIntegerArray(64);
        long before = Parallel.helperCounts()[0];
        int regions = 400;
        for (int r = 0; r < regions; r++) {
            Parallel.forRange(64, 1, (s, e) -> {
                for (long i = s; i < e; i++) hits.incrementAndGet((int) i);
            });
        }
        for (int i = 0; i < 64; i++) assertEquals(regions, hits.get(i), "index " + i);
        long startedNow = Parallel.helperCounts()[0] - before;
        // Without lingering about half the regions started one (a helper still queued serves the next); lingering, 1-5.
        assertTrue(startedNow < regions / 4, startedNow + " helpers for " + regions + " back-to-back regions");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Parallel.helperCounts()[1] != 0 && System.nanoTime() < deadline) Thread.sleep(1);
        assertEquals(0, Parallel.helperCounts()[1], "helpers still running after the regions stopped");
    }

    /**
     * Callers on several threads at once share the lingering helpers: each call returns only once its own region has
     * run every index exactly once.
     */
    @Test
    void concurrentCallersEachGetTheirWholeRegionBeforeReturning() throws Exception {
        int callers = 3;
        int regions = 300;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        try {
            java.util.List<java.util.concurrent.Future<String>> done = new java.util.ArrayList<>();
            for (int c = 0; c < callers; c++) {
                done.add(pool.submit(() -> {
                    for (int r = 0; r < regions; r++) {
                        AtomicIntegerArray h = new AtomicIntegerArray(1000);
                        Parallel.forRange(1000, 10, (s, e) -> {
                            // Long enough that a chunk still running when its caller returned would be seen unfinished.
                            for (long until = System.nanoTime() + 20_000; System.nanoTime() < until; ) Thread.onSpinWait();
                            for (long i = s; i < e; i++) h.incrementAndGet((int) i);
                        });
                        for (int i = 0; i < 1000; i++) {
                            if (h.get(i) != 1) return "region " + r + ", index " + i + ": " + h.get(i);
                        }
                    }
                    return "ok";
                }));
            }
            for (java.util.concurrent.Future<String> f : done) assertEquals("ok", f.get(60, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aChunkThatThrowsFailsTheCallerWithItsException() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(1000, 1, (s, f) -> {
            if (s <= 500 && 500 < f) throw new IllegalArgumentException("chunk holding 500");
        }));
        assertTrue(e.getMessage().contains("500"));
        int[] after = new int[1];
        Parallel.forRange(10, 1, (s, f) -> {
            synchronized (after) {
                after[0] += (int) (f - s);
            }
        });
        assertEquals(10, after[0], "the pool still works after a failure");
    }

    /**
     * Each thread starts on its own share of the chunks: the caller on the first, each helper on the first of another.
     * The first chunk of every share waits until all of them have started, so nobody can finish a share and take the
     * first chunk of someone else's before its owner has arrived.
     */
    @Test
    void eachThreadStartsOnItsOwnShareOfTheChunks() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Parallel.THREADS > 1, "one thread: no shares");
        int shares = Parallel.THREADS;
        int chunks = 4 * shares;
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(shares);
        java.util.Map<Thread, Long> firstChunk = new ConcurrentHashMap<>();
        Thread caller = Thread.currentThread();
        Parallel.forRange(chunks, 1, (s, e) -> {
            firstChunk.putIfAbsent(Thread.currentThread(), s);
            if (s % 4 == 0) {
                started.countDown();
                try {
                    assertTrue(started.await(10, java.util.concurrent.TimeUnit.SECONDS), "not every share's owner arrived");
                } catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        });
        assertEquals(0L, firstChunk.get(caller));
        Set<Long> firsts = new java.util.TreeSet<>(firstChunk.values());
        Set<Long> shareStarts = new java.util.TreeSet<>();
        for (long k = 0; k < shares; k++) shareStarts.add(4 * k);
        assertEquals(shareStarts, firsts, "first chunk of each thread");
    }
}

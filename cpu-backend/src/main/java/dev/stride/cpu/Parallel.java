package dev.stride.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The one fork-join pool that every CPU op shares. The calling thread works too: it takes chunks of a region from a
 * shared counter alongside {@code THREADS − 1} pool threads, so an op wakes one helper on two cores instead of
 * handing everything to the pool and sleeping until it is done (two wake-ups and a context switch per op, which
 * for a step's dozens of small ops cost more than their work: a 1M-element op ran slower on two threads than on
 * one). A helper that has finished stays for {@link #LINGER_NANOS} and takes the next region itself, so the ops of
 * a training step, microseconds apart, find it awake. Chunks are fixed ranges whoever runs them, so results do not
 * depend on the scheduling. Parallel regions never nest: a region started inside another runs inline, so GEMM inside
 * a parallel op cannot oversubscribe.
 * <p>
 * Each thread starts on its own share of a region's chunks, the caller on the first {@code chunks/THREADS}, the k-th
 * helper to arrive on the k-th, and then takes what is left of the others'. So an op split the way the op before it
 * was finds its data in its own core's cache: the optimizer updates the rows of a weight whose gradient the same core
 * computed (CpuOptim, VectorGemm), and the next forward reads them there. While the host ran the two vCPUs far apart
 * (see {@code stride bench}), an MLP step took 1.77 ms this way against 2.29 with every chunk taken from one counter,
 * the optimizer in fixed chunks and weight gradients split by columns, and 1.20 against 1.22 otherwise (medians of
 * 0.3-second windows in twelve alternating pairs of JVMs).
 */
final class Parallel {
    static final int THREADS = Integer.getInteger("stride.cpu.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS - 1));
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);
    /**
     * How long a helper waits for another region before it leaves. Woken from the pool for each region, a helper
     * started a GEMM's second half about 26 µs after the caller started the first, and an MLP step (a dozen regions)
     * took 2.07–2.33 ms (median over 2,000 steps, four runs); lingering, 1.55–2.00 in runs alternated with those.
     * It yields while it waits, so a thread with work (C2's compiler, the data prefetcher) gets the core.
     */
    static final long LINGER_NANOS = 50_000;
    /** The newest region, where a lingering helper looks for work; null once its caller has it done. */
    private static final AtomicReference<Region> LATEST = new AtomicReference<>();
    /** Helpers running or queued. */
    private static final AtomicInteger helpers = new AtomicInteger();
    /** Helpers started since the JVM did, for tests. */
    private static final AtomicLong started = new AtomicLong();

    private Parallel() {}

    @FunctionalInterface
    interface Range {
        void run(long start, long end);
    }

    /** Runs {@code body} over [0, n) in chunks of at least {@code grain}, on up to {@link #THREADS} threads. */
    static void forRange(long n, long grain, Range body) {
        long chunks = Math.min((n + grain - 1) / Math.max(grain, 1), THREADS * 4L);
        boolean[] inside = INSIDE.get();
        if (chunks <= 1 || THREADS == 1 || inside[0] || ForkJoinTask.inForkJoinPool()) {
            if (n > 0) body.run(0, n);
            return;
        }
        Region region = new Region(n, chunks, body, Thread.currentThread());
        LATEST.set(region);
        int want = (int) Math.min(THREADS - 1, chunks - 1);
        for (int h = helpers.get(); h < want; h = helpers.get()) {
            if (helpers.compareAndSet(h, h + 1)) {
                started.incrementAndGet();
                POOL.execute(Parallel::help);
            }
        }
        inside[0] = true;
        try {
            region.work(0);
        } finally {
            inside[0] = false;
        }
        region.await();
        // Its arrays need not stay reachable until the next region. Compare-and-set keeps another caller's newer
        // region even one published a moment ago, and is no branch: the warm-up, one caller, only ever took one side
        // of the test this replaced, and the other side's first use in a run deoptimized the op it was inlined into.
        LATEST.compareAndSet(region, null);
    }

    /** Helpers started so far, and how many are running or queued now. */
    static long[] helperCounts() {
        return new long[] {started.get(), helpers.get()};
    }

    /** A helper: every newest region it finds, until none has come for {@link #LINGER_NANOS}. */
    private static void help() {
        Region done = null;
        long idle = System.nanoTime();
        while (true) {
            Region r = LATEST.get();
            if (r != null && r != done) {
                r.work(r.arrived.incrementAndGet());
                done = r;
                idle = System.nanoTime();
            } else if (System.nanoTime() - idle < LINGER_NANOS) {
                Thread.yield();
            } else {
                helpers.decrementAndGet();
                // A region published while this helper was leaving counted it and started none: stay for that one.
                Region last = LATEST.get();
                if (last == null || last == done) return;
                helpers.incrementAndGet();
            }
        }
    }

    /**
     * One region's chunks in {@link #THREADS} shares, each taken from the front by its owner first and by the others
     * when they are done with theirs; the caller waits for the last chunk to finish.
     */
    private static final class Region {
        private final long n;
        private final long chunks;
        private final Range body;
        private final Thread caller;
        /** Share s: its next chunk, from {@code chunks·s/THREADS} up to the next share's first. */
        private final AtomicLong[] next = new AtomicLong[THREADS];
        /** Helpers arrived so far: the k-th owns share k. */
        final AtomicInteger arrived = new AtomicInteger();
        private final AtomicLong done = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Region(long n, long chunks, Range body, Thread caller) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
            this.caller = caller;
            for (int s = 0; s < THREADS; s++) next[s] = new AtomicLong(first(s));
        }

        private long first(int share) {
            return chunks * share / THREADS;
        }

        /** Share {@code slot}'s chunks, then the others' that are left, in turn after it. */
        void work(int slot) {
            for (int k = 0; k < THREADS; k++) {
                int share = (slot + k) % THREADS;
                long end = first(share + 1);
                for (long c; (c = next[share].getAndIncrement()) < end; ) run(c);
            }
        }

        private void run(long c) {
            try {
                if (failure.get() == null) body.run(n * c / chunks, n * (c + 1) / chunks);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                if (done.incrementAndGet() == chunks) LockSupport.unpark(caller);
            }
        }

        void await() {
            // A helper's last chunk usually ends within microseconds of the caller's: spin briefly before parking.
            for (int spins = 0; done.get() < chunks; spins++) {
                if (spins < 2000) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }
}

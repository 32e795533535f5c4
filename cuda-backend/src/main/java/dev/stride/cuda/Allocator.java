package dev.stride.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A caching allocator over {@link Gpu#malloc}, as PyTorch's: a request is rounded up to a size class (512 bytes up
 * to 1 MiB, whole MiB above) and served from that class's free list when it can be, so a training loop that makes
 * the same sizes every step stops calling the driver after its first step. Reuse is safe without events because
 * the backend has one stream: work queued before the release runs before work queued after the reuse.
 * Releases may come from any thread (the Cleaner safety net): they are queued and folded in by the thread that
 * allocates. Before reporting out-of-memory it frees the cache, runs a garbage collection so that forgotten
 * storages reach the Cleaner, folds those in, and retries once.
 */
final class Allocator {
    private static final long SMALL = 1 << 20;

    /** In use and cached bytes (rounded), the peak in use, driver allocations, requests and cache hits. */
    record Stats(long inUse, long cached, long peak, long deviceAllocations, long requests, long cacheHits) {
        @Override
        public String toString() {
            return String.format("%d bytes in use, %d cached, peak %d; %d device allocations, %d requests, %d served from the cache",
                    inUse, cached, peak, deviceAllocations, requests, cacheHits);
        }
    }

    private final Gpu gpu;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private final ConcurrentLinkedQueue<long[]> released = new ConcurrentLinkedQueue<>();
    private long inUse;
    private long cached;
    private long peak;
    private long deviceAllocations;
    private long requests;
    private long hits;

    Allocator(Gpu gpu) {
        this.gpu = gpu;
    }

    static long sizeClass(long bytes) {
        long unit = bytes <= SMALL ? 512 : SMALL;
        return Math.max(unit, (bytes + unit - 1) / unit * unit);
    }

    /** A block of at least {@code bytes}; its address. */
    long allocate(long bytes) {
        foldReleased();
        requests++;
        long size = sizeClass(bytes);
        ArrayDeque<Long> list = free.get(size);
        long address;
        if (list != null && !list.isEmpty()) {
            hits++;
            cached -= size;
            address = list.pop();
        } else {
            address = fresh(bytes, size);
        }
        inUse += size;
        peak = Math.max(peak, inUse);
        return address;
    }

    private long fresh(long bytes, long size) {
        try {
            return malloc(size);
        } catch (GpuException.OutOfMemory first) {
            emptyCache();
            System.gc();
            awaitCleaner();
            foldReleased();
            emptyCache();
            try {
                return malloc(size);
            } catch (GpuException.OutOfMemory second) {
                throw new GpuException.OutOfMemory("cuda: out of device memory allocating " + bytes + " bytes on "
                        + gpu.describe() + " (" + stats() + "; the cache was emptied and the garbage collector run first)");
            }
        }
    }

    private long malloc(long size) {
        long a = gpu.malloc(size);
        deviceAllocations++;
        return a;
    }

    /** Gives the Cleaner a moment to run the free actions of what the collection found. */
    private void awaitCleaner() {
        for (int i = 0; i < 20 && released.isEmpty(); i++) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Returns a block; callable from any thread. */
    void release(long address, long bytes) {
        released.add(new long[] {address, sizeClass(bytes)});
    }

    private void foldReleased() {
        long[] r;
        while ((r = released.poll()) != null) {
            inUse -= r[1];
            cached += r[1];
            free.computeIfAbsent(r[1], k -> new ArrayDeque<>()).push(r[0]);
        }
    }

    /** Hands every cached block back to the driver. */
    void emptyCache() {
        for (Map.Entry<Long, ArrayDeque<Long>> e : free.entrySet()) {
            for (long a : e.getValue()) gpu.free(a);
            cached -= e.getKey() * e.getValue().size();
            e.getValue().clear();
        }
    }

    Stats stats() {
        foldReleased();
        return new Stats(inUse, cached, peak, deviceAllocations, requests, hits);
    }
}

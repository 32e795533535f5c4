package dev.stride.data;

import dev.stride.backend.Backend;
import dev.stride.random.Philox;
import dev.stride.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Batches of a {@link Dataset} on a backend. With shuffling, epoch {@code e}'s order is a Fisher-Yates
 * permutation driven by Philox keyed by {@code seed} at offset {@code e}, so runs are reproducible and an
 * interrupted run can resume at any epoch.
 */
public final class DataLoader {
    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final Backend backend;
    private Augmentation augmentation;
    private boolean prefetch;

    public DataLoader(Dataset data, int batchSize, boolean shuffle, long seed, boolean dropLast, Backend backend) {
        if (batchSize <= 0) throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + batchSize);
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        this.backend = backend;
    }

    /** Inputs {@code [B, ...sampleShape]} and I32 labels {@code [B]}. */
    public record Batch(Tensor inputs, Tensor labels) {
        public int size() {
            return labels.dim(0);
        }
    }

    public int batchSize() {
        return batchSize;
    }

    public int batchesPerEpoch() {
        return dropLast ? data.size() / batchSize : (data.size() + batchSize - 1) / batchSize;
    }

    /** Augments every training batch (image samples {@code [C, H, W]} only). */
    public DataLoader augment(Augmentation a) {
        if (a != null && data.sampleShape().length != 3) {
            throw new IllegalArgumentException("augment: needs image samples [C, H, W], got " + java.util.Arrays.toString(data.sampleShape()));
        }
        augmentation = a;
        return this;
    }

    /**
     * Assembles the next batch's host arrays (gathering, augmentation) on a background thread while the current one
     * is used; the batch reaches the backend on the thread that iterates, so a backend that is not thread-safe (a GPU)
     * is only ever called from the training thread.
     */
    public DataLoader prefetch(boolean on) {
        prefetch = on;
        return this;
    }

    public Backend backend() {
        return backend;
    }

    public Dataset dataset() {
        return data;
    }

    /** The sample order of epoch {@code epoch}. */
    public int[] order(int epoch) {
        int n = data.size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (!shuffle) return idx;
        int[] w = new int[4];
        for (int i = n - 1; i > 0; i--) {
            int k = n - 1 - i;
            if (k % 4 == 0) Philox.words(seed, epoch, k / 4, w);
            int j = (int) Long.remainderUnsigned(w[k % 4] & 0xFFFFFFFFL, i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    public Iterable<Batch> epoch(int epoch) {
        int[] order = order(epoch);
        int batches = batchesPerEpoch();
        return () -> new Iterator<>() {
            private int b;
            private java.util.concurrent.CompletableFuture<HostBatch> next = prefetch && batches > 0 ? start(0) : null;

            private java.util.concurrent.CompletableFuture<HostBatch> start(int index) {
                return java.util.concurrent.CompletableFuture.supplyAsync(() -> host(order, epoch, index), PREFETCH);
            }

            @Override
            public boolean hasNext() {
                return b < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                int index = b++;
                if (next == null) return host(order, epoch, index).upload(backend);
                HostBatch current = next.join();
                next = b < batches ? start(b) : null;
                return current.upload(backend);
            }
        };
    }

    private static final java.util.concurrent.ExecutorService PREFETCH = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stride-prefetch");
        t.setDaemon(true);
        return t;
    });

    /** A batch still in host arrays. */
    private record HostBatch(float[] x, int[] y, int[] shape) {
        Batch upload(Backend backend) {
            return new Batch(Tensor.of(backend, x, shape), Tensor.ofInts(backend, y, y.length));
        }
    }

    private HostBatch host(int[] order, int epoch, int index) {
        int per = data.sampleSize();
        int from = index * batchSize;
        int to = Math.min(order.length, from + batchSize);
        Dataset batch = data.select(order, from, to);
        float[] x = batch.features();
        if (augmentation != null) {
            for (int i = 0; i < batch.size(); i++) augmentation.apply(x, i * per, data.sampleShape(), epoch, order[from + i]);
        }
        return new HostBatch(x, batch.labels(), data.batchShape(batch.size()));
    }
}

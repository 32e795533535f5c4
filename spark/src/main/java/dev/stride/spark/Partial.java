package dev.stride.spark;

import java.io.Serializable;

/**
 * What the partitions send back for one step (or one averaging round), summed over partitions by
 * {@code treeAggregate}: tensors weighted by each partition's sample count, the loss summed over samples, the
 * count, the correct predictions, and the slowest partition's compute time.
 */
record Partial(HostTensors sums, double lossSum, long count, long correct, long computeNanos) implements Serializable {
    static final Partial EMPTY = new Partial(new HostTensors(), 0, 0, 0, 0);

    static Partial merge(Partial a, Partial b) {
        return new Partial(HostTensors.merge(a.sums, b.sums), a.lossSum + b.lossSum, a.count + b.count,
                a.correct + b.correct, Math.max(a.computeNanos, b.computeNanos));
    }
}

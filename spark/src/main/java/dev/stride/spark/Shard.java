package dev.stride.spark;

import dev.stride.data.Dataset;
import java.io.Serializable;
import java.util.SplittableRandom;

/** Partition {@code index}'s contiguous share of the training set: samples {@code [start, start + size)}. */
record Shard(int index, int start, Dataset data) implements Serializable {
    static Shard of(Dataset all, int index, int partitions) {
        int from = (int) ((long) all.size() * index / partitions);
        int to = (int) ((long) all.size() * (index + 1) / partitions);
        return new Shard(index, from, all.range(from, to));
    }

    int size() {
        return data.size();
    }

    /** The order in which this shard visits its samples in {@code epoch}: a Fisher-Yates shuffle seeded by all three. */
    static int[] order(int size, long seed, int epoch, int partition) {
        int[] o = new int[size];
        for (int i = 0; i < size; i++) o[i] = i;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + partition);
        for (int i = size - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }
}

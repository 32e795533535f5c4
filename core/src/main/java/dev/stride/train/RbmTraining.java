package dev.stride.train;

import dev.stride.autograd.NoGrad;
import dev.stride.data.DataLoader;
import dev.stride.nn.Rbm;
import dev.stride.optim.Optimizer;
import dev.stride.random.Generator;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;

/**
 * Trains an {@link Rbm} by contrastive divergence: CD-k starts each negative chain at the batch, persistent CD
 * (PCD, Tieleman 2008) keeps one set of chains across batches and epochs. The gradient goes through any
 * {@link Optimizer}, so momentum and weight decay are the optimizer's. Inputs can be binarised at 0.5 first.
 */
public final class RbmTraining {
    /** An epoch's monitors, measured on the monitoring set after the epoch. */
    public record EpochStats(int epoch, double reconstructionError, double pseudoLikelihood, long samples, double seconds) {
        public double samplesPerSecond() {
            return samples / seconds;
        }
    }

    private final Rbm rbm;
    private final Optimizer optimizer;
    private final int k;
    private final boolean persistent;
    private final Generator gen;
    private boolean binarize;
    private java.util.function.UnaryOperator<Tensor> below = java.util.function.UnaryOperator.identity();
    private Tensor chains;

    public RbmTraining(Rbm rbm, Optimizer optimizer, int k, boolean persistent, Generator gen) {
        if (k <= 0) throw new IllegalArgumentException("RBM training: k (Gibbs steps) must be positive, got " + k);
        this.rbm = rbm;
        this.optimizer = optimizer;
        this.k = k;
        this.persistent = persistent;
        this.gen = gen;
    }

    /** Thresholds every input at 0.5 before it is used, for Bernoulli units on grey-level digits. */
    public RbmTraining binarize(boolean on) {
        binarize = on;
        return this;
    }

    /**
     * Feeds the RBM {@code below(x)} instead of the data itself: a deep belief net trains each layer on the hidden
     * probabilities of the layers under it.
     */
    public RbmTraining below(java.util.function.UnaryOperator<Tensor> transform) {
        below = transform;
        return this;
    }

    /** The inputs as the RBM sees them: binarised if asked, passed through the layers below, {@code [N, V]}. */
    public Tensor prepare(Tensor x) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor flat = x.reshape(x.dim(0), (int) (x.numel() / Math.max(1, x.dim(0))));
            Tensor in = below.apply(binarize ? flat.gt(0.5f) : flat);
            return in.reshape(in.dim(0), rbm.visible());
        }
    }

    /** The first {@code n} samples of {@code data} as {@code [n, V]} on {@code backend}, outside every scope: a monitoring set. */
    public static Tensor monitorSet(dev.stride.data.Dataset data, int n, dev.stride.backend.Backend backend) {
        dev.stride.data.Dataset head = data.range(0, Math.min(n, data.size()));
        return Tensor.of(backend, head.features(), head.size(), head.sampleSize()).persist();
    }

    /** PCD's chains (null before the first persistent step); they live outside every scope. */
    public Tensor chains() {
        return chains;
    }

    /** One update from {@code batch}; returns the negative samples it used. */
    public Tensor step(Tensor batch) {
        Tensor v0 = prepare(batch);
        int n = v0.dim(0);
        Tensor start = v0;
        if (persistent) {
            if (chains == null || chains.dim(0) < n) {
                if (chains != null) chains.close();
                try (NoGrad ignored = NoGrad.enter()) {
                    chains = Rbm.bernoulli(Tensor.full(v0.backend(), 0.5f, n, rbm.visible()), gen).persist();
                }
            }
            start = chains.dim(0) == n ? chains : chains.slice(0, 0, n);
        }
        Tensor negative = rbm.gibbs(start, k, gen);
        if (persistent) {
            try (NoGrad ignored = NoGrad.enter()) {
                start.assign(negative);
            }
        }
        optimizer.zeroGrad();
        rbm.contrastiveDivergence(v0, negative).backward();
        optimizer.step();
        return negative;
    }

    /** One pass over {@code loader}, then the monitors on {@code monitor} (a fixed sample of the data). */
    public EpochStats epoch(DataLoader loader, int epoch, Tensor monitor) {
        long t0 = System.nanoTime();
        long samples = 0;
        for (DataLoader.Batch b : loader.epoch(epoch)) {
            try (MemoryScope ignored = MemoryScope.open()) {
                step(b.inputs());
                samples += b.inputs().dim(0);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        try (MemoryScope ignored = MemoryScope.open()) {
            Tensor v = prepare(monitor);
            return new EpochStats(epoch, rbm.reconstructionError(v), rbm.pseudoLikelihood(v, gen), samples, seconds);
        }
    }
}

package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/**
 * {@code torch.nn.BatchNorm1d} ({@code [N, C]} or {@code [N, C, L]}) and {@code BatchNorm2d} ({@code [N, C, H, W]}):
 * learnable γ (ones) and β (zeros), running mean (zeros) and variance (ones) with momentum 0.1 and unbiased
 * running variance, eps 1e-5, and the {@code num_batches_tracked} counter. Training normalizes with batch
 * statistics; evaluation with the running ones. A momentum of {@code null} makes the running statistics a
 * cumulative average ({@code 1/num_batches_tracked}), as PyTorch's {@code momentum=None}.
 */
public final class BatchNorm extends Module {
    private final String name;
    private final int[] ranks;
    private final int channels;
    private final Float momentum;
    private final float eps;
    private final Tensor gamma;
    private final Tensor beta;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;
    /** The host's copy of {@code num_batches_tracked}; -1 after a load, until the next training step reads it once. */
    private long tracked;

    private BatchNorm(String name, int[] ranks, int channels, Float momentum, float eps, Backend backend) {
        if (channels <= 0) throw new IllegalArgumentException(name + ": channel count must be positive, got " + channels);
        if (momentum != null && !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(name + ": momentum must be in [0, 1] or null, got " + momentum);
        }
        if (!(eps > 0)) throw new IllegalArgumentException(name + ": eps must be > 0, got " + eps);
        this.name = name + "(" + channels + ")";
        this.ranks = ranks;
        this.channels = channels;
        this.momentum = momentum;
        this.eps = eps;
        this.gamma = registerParameter("weight", Tensor.full(backend, 1f, channels));
        this.beta = registerParameter("bias", Tensor.zeros(backend, channels));
        this.runningMean = registerBuffer("running_mean", Tensor.zeros(backend, channels));
        this.runningVar = registerBuffer("running_var", Tensor.full(backend, 1f, channels));
        this.numBatchesTracked = registerBuffer("num_batches_tracked", Tensor.ofInts(backend, new int[] {0}));
    }

    public static BatchNorm batchNorm1d(int channels) {
        return new BatchNorm("BatchNorm1d", new int[] {2, 3}, channels, 0.1f, 1e-5f, Backends.defaultBackend());
    }

    public static BatchNorm batchNorm2d(int channels) {
        return new BatchNorm("BatchNorm2d", new int[] {4}, channels, 0.1f, 1e-5f, Backends.defaultBackend());
    }

    /** {@code momentum} null means a cumulative average. */
    public static BatchNorm batchNorm1d(int channels, Float momentum, float eps, Backend backend) {
        return new BatchNorm("BatchNorm1d", new int[] {2, 3}, channels, momentum, eps, backend);
    }

    /** {@code momentum} null means a cumulative average. */
    public static BatchNorm batchNorm2d(int channels, Float momentum, float eps, Backend backend) {
        return new BatchNorm("BatchNorm2d", new int[] {4}, channels, momentum, eps, backend);
    }

    @Override
    public Tensor forward(Tensor x) {
        return apply(x, false);
    }

    /** {@code forward(x).relu()} in one op ({@link Functional#batchNormRelu}); what {@link Sequential} runs for the pair. */
    public Tensor forwardRelu(Tensor x) {
        return apply(x, true);
    }

    private Tensor apply(Tensor x, boolean relu) {
        boolean rankOk = false;
        for (int r : ranks) rankOk |= x.rank() == r;
        if (!rankOk || x.dim(1) != channels) {
            String expected = ranks.length == 1 ? "[N, " + channels + ", H, W]" : "[N, " + channels + "] or [N, " + channels + ", L]";
            throw new IllegalArgumentException(name + ": expects input " + expected + ", got " + Shape.str(x.shape()));
        }
        if (isTraining() && x.numel() / channels <= 1) {
            throw new IllegalArgumentException(name + ": training needs more than one value per channel, got input "
                    + Shape.str(x.shape()));
        }
        float factor = momentum == null ? 0f : momentum;
        if (isTraining()) {
            if (tracked < 0) tracked = numBatchesTracked.toIntArray()[0];
            tracked++;
            numBatchesTracked.backend().write(numBatchesTracked.storage(), 0, new int[] {(int) tracked}, 0, 1);
            if (momentum == null) factor = 1f / tracked;
        }
        return relu ? Functional.batchNormRelu(x, gamma, beta, runningMean, runningVar, isTraining(), factor, eps)
                : Functional.batchNorm(x, gamma, beta, runningMean, runningVar, isTraining(), factor, eps);
    }

    @Override
    protected void stateLoaded() {
        tracked = -1;
    }

    /** PyTorch's {@code num_batches_tracked}: training batches seen (an I32 scalar here, I64 in PyTorch). */
    public Tensor numBatchesTracked() {
        return numBatchesTracked;
    }

    /** γ, PyTorch's {@code weight}. */
    public Tensor weight() {
        return gamma;
    }

    /** β, PyTorch's {@code bias}. */
    public Tensor bias() {
        return beta;
    }

    public Tensor runningMean() {
        return runningMean;
    }

    public Tensor runningVar() {
        return runningVar;
    }
}

package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/**
 * {@code torch.nn.BatchNorm1d} ({@code [N, C]} or {@code [N, C, L]}) and {@code BatchNorm2d} ({@code [N, C, H, W]}):
 * learnable γ (ones) and β (zeros), running mean (zeros) and variance (ones) with momentum 0.1 and unbiased
 * running variance, eps 1e-5. Training normalizes with batch statistics; evaluation with the running ones.
 */
public final class BatchNorm extends Module {
    private final String name;
    private final int[] ranks;
    private final int channels;
    private final float momentum;
    private final float eps;
    private final Tensor gamma;
    private final Tensor beta;
    private final Tensor runningMean;
    private final Tensor runningVar;

    private BatchNorm(String name, int[] ranks, int channels, float momentum, float eps, Backend backend) {
        if (channels <= 0) throw new IllegalArgumentException(name + ": channel count must be positive, got " + channels);
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException(name + ": momentum must be in [0, 1], got " + momentum);
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
    }

    public static BatchNorm batchNorm1d(int channels) {
        return new BatchNorm("BatchNorm1d", new int[] {2, 3}, channels, 0.1f, 1e-5f, Backends.defaultBackend());
    }

    public static BatchNorm batchNorm2d(int channels) {
        return new BatchNorm("BatchNorm2d", new int[] {4}, channels, 0.1f, 1e-5f, Backends.defaultBackend());
    }

    public static BatchNorm batchNorm1d(int channels, float momentum, float eps, Backend backend) {
        return new BatchNorm("BatchNorm1d", new int[] {2, 3}, channels, momentum, eps, backend);
    }

    public static BatchNorm batchNorm2d(int channels, float momentum, float eps, Backend backend) {
        return new BatchNorm("BatchNorm2d", new int[] {4}, channels, momentum, eps, backend);
    }

    @Override
    public Tensor forward(Tensor x) {
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
        return Functional.batchNorm(x, gamma, beta, runningMean, runningVar, isTraining(), momentum, eps);
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

package dev.stride.loss;

import dev.stride.tensor.Tensor;

/**
 * How per-element (or per-sample) losses become the result, as PyTorch's {@code reduction}. {@code BATCHMEAN} is
 * PyTorch's {@code 'batchmean'}: the sum divided by the size of dimension 0 (the batch), which is what KL divergence
 * means mathematically; {@code MEAN} divides by the number of elements.
 */
public enum Reduction {
    MEAN, SUM, NONE, BATCHMEAN;

    Tensor apply(Tensor perElement) {
        return switch (this) {
            case MEAN -> perElement.mean();
            case SUM -> perElement.sum();
            case NONE -> perElement;
            case BATCHMEAN -> perElement.rank() == 0 ? perElement.sum() : perElement.sum().div((float) perElement.dim(0));
        };
    }
}

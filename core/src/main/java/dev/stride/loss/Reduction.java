package dev.stride.loss;

import dev.stride.tensor.Tensor;

/** How per-element (or per-sample) losses become the result, as PyTorch's {@code reduction}. */
public enum Reduction {
    MEAN, SUM, NONE;

    Tensor apply(Tensor perElement) {
        return switch (this) {
            case MEAN -> perElement.mean();
            case SUM -> perElement.sum();
            case NONE -> perElement;
        };
    }
}

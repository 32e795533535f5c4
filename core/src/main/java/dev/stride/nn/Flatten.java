package dev.stride.nn;

import dev.stride.tensor.Tensor;

/** Flattens every dimension after the batch dimension: {@code [N, d1, d2, ...] -> [N, d1*d2*...]}. */
public final class Flatten extends Module {
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 2) return x.reshape(x.numel() == 0 ? 0 : 1, -1);
        return x.flatten(1);
    }
}

package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/** A sequence's last step: {@code [N, T, H]} to {@code [N, H]}, what a classifier reads from a recurrent layer. */
public final class LastStep extends Module {
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 3 || x.dim(1) == 0) throw new IllegalArgumentException("LastStep: expects [N, T, H] with T >= 1, got " + Shape.str(x.shape()));
        return x.slice(1, x.dim(1) - 1, x.dim(1)).reshape(x.dim(0), x.dim(2));
    }
}

package dev.stride.autograd;

import dev.stride.tensor.Tensor;

/**
 * One recorded op on the tape: its inputs and the rule that turns the output's gradient into one gradient
 * per input (null where an input needs none). Gradients may have the broadcast output shape; the engine
 * sums them back to each input's shape.
 */
public record Node(String op, Tensor[] inputs, Backward backward) {
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }
}

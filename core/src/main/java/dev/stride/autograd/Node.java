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

    /** What a node becomes after {@code backward()}: it holds no saved tensors, and a second backward names it. */
    static Node released(String op) {
        return new Node(op, new Tensor[0], g -> {
            throw new IllegalStateException("backward: the graph through '" + op + "' was already released by an earlier "
                    + "backward(); compute the loss again");
        });
    }
}

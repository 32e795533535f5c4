package dev.stride.autograd;

import dev.stride.tensor.Tensor;

/**
 * One recorded op on the tape: its inputs and the rule that turns the output's gradient into one gradient
 * per input (null where an input needs none). Gradients may have the broadcast output shape; the engine
 * sums them back to each input's shape.
 */
public record Node(String op, Tensor[] inputs, Backward backward, Region region) {
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }

    /**
     * For a node whose output is the range {@code [start, end)} of its one input along {@code axis} (a slice): the
     * engine adds the output's gradient into that range of the input's gradient in place, instead of building a
     * zero tensor of the input's full shape for every slice. A recurrent layer slices each of T steps out of one
     * tensor; without this its backward pass would cost T full-size additions per tensor sliced.
     */
    public record Region(int axis, int start, int end) {}

    public Node(String op, Tensor[] inputs, Backward backward) {
        this(op, inputs, backward, null);
    }

    /** What a node becomes after {@code backward()}: it holds no saved tensors, and a second backward names it. */
    static Node released(String op) {
        return new Node(op, new Tensor[0], g -> {
            throw new IllegalStateException("backward: the graph through '" + op + "' was already released by an earlier "
                    + "backward(); compute the loss again");
        });
    }
}

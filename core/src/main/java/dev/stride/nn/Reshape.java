package dev.stride.nn;

import dev.stride.tensor.Tensor;

/** Reshapes each sample, keeping the batch dimension: {@code new Reshape(28, 28)} reads a digit as 28 rows of 28 pixels. */
public final class Reshape extends Module {
    private final int[] sample;

    public Reshape(int... sample) {
        this.sample = sample.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] shape = new int[sample.length + 1];
        shape[0] = x.dim(0);
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return x.reshape(shape);
    }
}

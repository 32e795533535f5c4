package dev.stride.nn;

import dev.stride.tensor.Tensor;

/** {@code torch.nn.AvgPool2d} with padding counted in the average; the stride defaults to the kernel size. */
public final class AvgPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        if (kernel <= 0 || stride <= 0 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException("AvgPool2d: kernel and stride must be positive and padding at most half the "
                    + "kernel, got kernel " + kernel + ", stride " + stride + ", padding " + padding);
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.avgPool2d(x, kernel, stride, padding);
    }
}

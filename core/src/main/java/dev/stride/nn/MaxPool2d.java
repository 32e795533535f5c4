package dev.stride.nn;

import dev.stride.tensor.Tensor;

/** {@code torch.nn.MaxPool2d}; the stride defaults to the kernel size. */
public final class MaxPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int dilation;

    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0, 1);
    }

    public MaxPool2d(int kernel, int stride, int padding, int dilation) {
        if (kernel <= 0 || stride <= 0 || dilation <= 0 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException("MaxPool2d: kernel, stride, dilation must be positive and padding at most half "
                    + "the kernel, got kernel " + kernel + ", stride " + stride + ", padding " + padding + ", dilation " + dilation);
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.maxPool2d(x, kernel, stride, padding, dilation);
    }
}

package dev.stride.nn;

import dev.stride.tensor.Tensor;
import java.util.Arrays;

/**
 * {@code torch.nn.MaxPool2d}: kernel, stride, padding and dilation each one value or {@code {height, width}}; the
 * stride defaults to the kernel size; {@code ceilMode} as PyTorch's.
 */
public final class MaxPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceilMode;

    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0, 1);
    }

    public MaxPool2d(int kernel, int stride, int padding, int dilation) {
        this(new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, false);
    }

    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        String layer = "MaxPool2d";
        this.kernel = Functional.pair(layer, "kernel", kernel);
        this.stride = Functional.pair(layer, "stride", stride);
        this.padding = Functional.pair(layer, "padding", padding);
        this.dilation = Functional.pair(layer, "dilation", dilation);
        this.ceilMode = ceilMode;
        for (int a = 0; a < 2; a++) {
            if (this.kernel[a] <= 0 || this.stride[a] <= 0 || this.dilation[a] <= 0 || this.padding[a] < 0
                    || this.padding[a] > this.kernel[a] / 2) {
                throw new IllegalArgumentException("MaxPool2d: kernel, stride, dilation must be positive and padding at most "
                        + "half the kernel, got kernel " + Arrays.toString(this.kernel) + ", stride " + Arrays.toString(this.stride)
                        + ", padding " + Arrays.toString(this.padding) + ", dilation " + Arrays.toString(this.dilation));
            }
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.maxPool2d(x, kernel, stride, padding, dilation, ceilMode);
    }

    /** The output and each maximum's flat index in its input plane, as {@code return_indices=True}. */
    public Functional.MaxPooled forwardWithIndices(Tensor x) {
        return Functional.maxPool2dWithIndices(x, kernel, stride, padding, dilation, ceilMode);
    }
}

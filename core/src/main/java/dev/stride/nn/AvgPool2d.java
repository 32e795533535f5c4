package dev.stride.nn;

import dev.stride.tensor.Tensor;
import java.util.Arrays;

/**
 * {@code torch.nn.AvgPool2d}: kernel, stride and padding each one value or {@code {height, width}}; the stride
 * defaults to the kernel size; {@code ceilMode} and {@code countIncludePad} (default true) as PyTorch's.
 */
public final class AvgPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        this(new int[] {kernel}, new int[] {stride}, new int[] {padding}, false, true);
    }

    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        String layer = "AvgPool2d";
        this.kernel = Functional.pair(layer, "kernel", kernel);
        this.stride = Functional.pair(layer, "stride", stride);
        this.padding = Functional.pair(layer, "padding", padding);
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        for (int a = 0; a < 2; a++) {
            if (this.kernel[a] <= 0 || this.stride[a] <= 0 || this.padding[a] < 0 || this.padding[a] > this.kernel[a] / 2) {
                throw new IllegalArgumentException("AvgPool2d: kernel and stride must be positive and padding at most half the "
                        + "kernel, got kernel " + Arrays.toString(this.kernel) + ", stride " + Arrays.toString(this.stride)
                        + ", padding " + Arrays.toString(this.padding));
            }
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad);
    }
}

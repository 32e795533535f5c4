package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import java.util.Arrays;

/**
 * {@code torch.nn.Conv2d}: weight {@code [out, in/groups, kh, kw]}, bias {@code [out]}; kernel, stride, padding and
 * dilation each one value or {@code {height, width}}. Default initialization as PyTorch's weight
 * (kaiming-uniform, a = sqrt(5)); the bias is zeros.
 */
public final class Conv2d extends Module {
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private final Tensor weight;
    private final Tensor bias;

    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, 1, 1, true, Init.Scheme.PYTORCH_DEFAULT, Backends.defaultBackend(), Generator.global());
    }

    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias,
                  Init.Scheme init, Backend backend, Generator gen) {
        this(in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, groups, bias, init,
                backend, gen);
    }

    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
                  Init.Scheme init, Backend backend, Generator gen) {
        String name = "Conv2d(" + in + ", " + out + ")";
        int[] k = Functional.pair(name, "kernel", kernel);
        this.stride = Functional.pair(name, "stride", stride);
        this.padding = Functional.pair(name, "padding", padding);
        this.dilation = Functional.pair(name, "dilation", dilation);
        if (in <= 0 || out <= 0 || k[0] <= 0 || k[1] <= 0) {
            throw new IllegalArgumentException(name + ": channels and kernel must be positive, got kernel " + Arrays.toString(k));
        }
        for (int a = 0; a < 2; a++) {
            if (this.stride[a] <= 0 || this.dilation[a] <= 0 || this.padding[a] < 0) {
                throw new IllegalArgumentException(name + ": stride and dilation must be positive and padding >= 0, got stride "
                        + Arrays.toString(this.stride) + ", padding " + Arrays.toString(this.padding) + ", dilation "
                        + Arrays.toString(this.dilation));
            }
        }
        if (groups <= 0 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(name + ": groups " + groups + " must divide both channel counts");
        }
        this.groups = groups;
        this.weight = registerParameter("weight", init.create(backend, gen, out, in / groups, k[0], k[1]));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(backend, out)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }
}

package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;

/**
 * {@code torch.nn.Conv2d}: weight {@code [out, in/groups, k, k]}, bias {@code [out]}. Default initialization as
 * PyTorch's weight (kaiming-uniform, a = sqrt(5)); the bias is zeros.
 */
public final class Conv2d extends Module {
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;
    private final Tensor weight;
    private final Tensor bias;

    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, 1, 1, true, Init.Scheme.PYTORCH_DEFAULT, Backends.defaultBackend(), Generator.global());
    }

    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias,
                  Init.Scheme init, Backend backend, Generator gen) {
        String name = "Conv2d(" + in + ", " + out + ")";
        if (in <= 0 || out <= 0 || kernel <= 0) throw new IllegalArgumentException(name + ": channels and kernel must be positive");
        if (stride <= 0 || dilation <= 0 || padding < 0) {
            throw new IllegalArgumentException(name + ": stride and dilation must be positive and padding >= 0, got stride "
                    + stride + ", padding " + padding + ", dilation " + dilation);
        }
        if (groups <= 0 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(name + ": groups " + groups + " must divide both channel counts");
        }
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.weight = registerParameter("weight", init.create(backend, gen, out, in / groups, kernel, kernel));
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

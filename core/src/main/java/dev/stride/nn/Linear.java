package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.random.Generator;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/**
 * {@code y = x W^T + b} for x of shape {@code [..., in]}; W is {@code [out, in]} as in PyTorch.
 * Default initialization: W from PyTorch's default ({@link Init#kaimingUniform} with a = sqrt(5), which is
 * U(-1/sqrt(in), 1/sqrt(in))), b zeros. Pass an {@link Init.Scheme} for Xavier or He.
 */
public final class Linear extends Module {
    private final int in;
    private final int out;
    private final Tensor weight;
    private final Tensor bias;

    public Linear(int in, int out) {
        this(in, out, true, Init.Scheme.PYTORCH_DEFAULT, Backends.defaultBackend(), Generator.global());
    }

    public Linear(int in, int out, boolean bias, Init.Scheme init, Backend backend, Generator gen) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + " out=" + out);
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", init.create(backend, gen, out, in));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(backend, out)) : null;
    }

    /** {@code x [..., in]} (rank 2 or more, leading dimensions batch dimensions, as PyTorch) to {@code [..., out]}. */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 2 || x.dim(-1) != in) {
            throw new IllegalArgumentException("Linear(" + in + ", " + out + "): expects input [..., " + in + "] of rank >= 2, got "
                    + Shape.str(x.shape()));
        }
        int[] shape = x.shape();
        Tensor flat = x.rank() == 2 ? x : x.reshape(-1, in);
        Tensor y = flat.matmul(weight.t());
        if (bias != null) y = y.add(bias);
        if (x.rank() == 2) return y;
        shape[shape.length - 1] = out;
        return y.reshape(shape);
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }
}

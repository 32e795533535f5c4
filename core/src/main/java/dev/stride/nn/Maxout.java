package dev.stride.nn;

import dev.stride.backend.Backends;
import dev.stride.random.Generator;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/** Maxout (Goodfellow et al.): {@code k} linear pieces per output, {@code y_j = max_i (x W_ij + b_ij)}. */
public final class Maxout extends Module {
    private final int in;
    private final int out;
    private final int pieces;
    private final Linear linear;

    public Maxout(int in, int out, int pieces) {
        this(in, out, pieces, Init.Scheme.PYTORCH_DEFAULT, Backends.defaultBackend(), Generator.global());
    }

    public Maxout(int in, int out, int pieces, Init.Scheme init, dev.stride.backend.Backend backend, Generator gen) {
        if (pieces < 1) throw new IllegalArgumentException("Maxout: pieces must be >= 1, got " + pieces);
        this.in = in;
        this.out = out;
        this.pieces = pieces;
        this.linear = registerModule("linear", new Linear(in, out * pieces, true, init, backend, gen));
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 2 || x.dim(1) != in) {
            throw new IllegalArgumentException("Maxout(" + in + ", " + out + ", " + pieces + "): expects input [N, " + in
                    + "], got " + Shape.str(x.shape()));
        }
        return linear.forward(x).reshape(x.dim(0), out, pieces).max(2, false);
    }
}

package dev.stride.nn;

import dev.stride.tensor.Tensor;
import java.util.Arrays;

/** {@code x + f(x)}, or {@code proj(x) + f(x)} when a projection is given because f changes the shape. */
public final class Residual extends Module {
    private final Module body;
    private final Module projection;

    public Residual(Module body) {
        this(body, null);
    }

    public Residual(Module body, Module projection) {
        this.body = registerModule("body", body);
        this.projection = projection == null ? null : registerModule("projection", projection);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor fx = body.forward(x);
        Tensor skip = projection == null ? x : projection.forward(x);
        if (!Arrays.equals(fx.shape(), skip.shape())) {
            throw new IllegalArgumentException("Residual: body output " + Arrays.toString(fx.shape()) + " does not match "
                    + (projection == null ? "input " : "projection ") + Arrays.toString(skip.shape())
                    + (projection == null ? "; give a projection" : ""));
        }
        return skip.add(fx);
    }
}

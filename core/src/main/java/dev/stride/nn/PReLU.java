package dev.stride.nn;

import dev.stride.backend.Backends;
import dev.stride.tensor.Tensor;

/** {@code torch.nn.PReLU}: a learnable negative slope, shared (1 parameter) or one per channel; initial 0.25. */
public final class PReLU extends Module {
    private final Tensor alpha;

    public PReLU() {
        this(1, 0.25f);
    }

    public PReLU(int channels, float init) {
        if (channels < 1) throw new IllegalArgumentException("PReLU: channel count must be >= 1, got " + channels);
        this.alpha = registerParameter("weight", Tensor.full(Backends.defaultBackend(), init, channels));
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.prelu(x, alpha);
    }

    /** The learnable slope, PyTorch's {@code weight}. */
    public Tensor weight() {
        return alpha;
    }
}

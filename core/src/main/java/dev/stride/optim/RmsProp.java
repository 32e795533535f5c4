package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/** {@code torch.optim.RMSprop}: defaults lr 1e-2, alpha 0.99, eps 1e-8, no momentum, not centered. */
public final class RmsProp extends Optimizer {
    private final float alpha;
    private final float eps;
    private final float momentum;
    private final boolean centered;

    public RmsProp(List<Tensor> params, float lr) {
        this(single(params), lr, 0.99f, 1e-8f, 0, 0, false);
    }

    public RmsProp(List<ParamGroup> groups, float lr, float alpha, float eps, float weightDecay, float momentum,
                   boolean centered) {
        super("RMSprop", groups, lr, weightDecay);
        checkUnit(name, "alpha", alpha);
        checkNonNegative(name, "eps", eps);
        checkNonNegative(name, "momentum", momentum);
        this.alpha = alpha;
        this.eps = eps;
        this.momentum = momentum;
        this.centered = centered;
    }

    @Override
    protected Update rule(Group g, long step) {
        return new Update.RmsProp(g.lr, alpha, eps, g.weightDecay, momentum, centered);
    }
}

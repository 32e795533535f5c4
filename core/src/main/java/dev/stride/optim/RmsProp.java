package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/** {@code torch.optim.RMSprop}: defaults lr 1e-2, alpha 0.99, eps 1e-8, no momentum, not centered. */
public final class RmsProp extends Optimizer {
    private final float alpha;
    private final float eps;
    private final boolean centered;

    public RmsProp(List<Tensor> params, float lr) {
        this(single(params), lr, 0.99f, 1e-8f, 0, 0, false);
    }

    public RmsProp(List<ParamGroup> groups, float lr, float alpha, float eps, float weightDecay, float momentum,
                   boolean centered) {
        super("RMSprop", groups, lr, weightDecay);
        checkUnit(name, "alpha", alpha);
        checkNonNegative(name, "eps", eps);
        defineMomentum("momentum", momentum, false);
        this.alpha = alpha;
        this.eps = eps;
        this.centered = centered;
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code RmsProp.options().lr(1e-3f).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** The settings {@code RmsProp} adds to the rate and weight decay. */
    public static final class Options extends Optimizer.Options<Options, RmsProp> {
        private float alpha = 0.99f;
        private float eps = 1e-8f;
        private float momentum;
        private boolean centered;

        Options() {
            super(1e-2f);
        }

        public Options alpha(float value) {
            alpha = value;
            return this;
        }

        public Options eps(float value) {
            eps = value;
            return this;
        }

        public Options momentum(float value) {
            momentum = value;
            return this;
        }

        public Options centered(boolean value) {
            centered = value;
            return this;
        }

        @Override
        public RmsProp buildGroups(List<ParamGroup> groups) {
            return new RmsProp(groups, lr, alpha, eps, weightDecay, momentum, centered);
        }
    }

    @Override
    protected Update rule(Group g, long step) {
        return new Update.RmsProp(g.lr, alpha, eps, g.weightDecay, g.momentum, centered);
    }
}

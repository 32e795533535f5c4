package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/** {@code torch.optim.Adadelta}: defaults lr 1.0, rho 0.9, eps 1e-6. */
public final class Adadelta extends Optimizer {
    private final float rho;
    private final float eps;

    public Adadelta(List<Tensor> params, float lr) {
        this(single(params), lr, 0.9f, 1e-6f, 0);
    }

    public Adadelta(List<ParamGroup> groups, float lr, float rho, float eps, float weightDecay) {
        super("Adadelta", groups, lr, weightDecay);
        checkUnit(name, "rho", rho);
        checkNonNegative(name, "eps", eps);
        this.rho = rho;
        this.eps = eps;
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code Adadelta.options().lr(1e-3f).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** The settings {@code Adadelta} adds to the rate and weight decay. */
    public static final class Options extends Optimizer.Options<Options, Adadelta> {
        private float rho = 0.9f;
        private float eps = 1e-6f;

        Options() {
            super(1f);
        }

        public Options rho(float value) {
            rho = value;
            return this;
        }

        public Options eps(float value) {
            eps = value;
            return this;
        }

        @Override
        public Adadelta buildGroups(List<ParamGroup> groups) {
            return new Adadelta(groups, lr, rho, eps, weightDecay);
        }
    }

    @Override
    protected Update rule(Group g, long step) {
        return new Update.Adadelta(g.lr, rho, eps, g.weightDecay);
    }
}

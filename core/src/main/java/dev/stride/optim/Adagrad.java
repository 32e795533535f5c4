package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/** {@code torch.optim.Adagrad}: defaults lr 1e-2, lr_decay 0, eps 1e-10, initial accumulator 0. */
public final class Adagrad extends Optimizer {
    private final float lrDecay;
    private final float eps;

    public Adagrad(List<Tensor> params, float lr) {
        this(single(params), lr, 0, 1e-10f, 0);
    }

    public Adagrad(List<ParamGroup> groups, float lr, float lrDecay, float eps, float weightDecay) {
        super("Adagrad", groups, lr, weightDecay);
        checkNonNegative(name, "lr decay", lrDecay);
        checkNonNegative(name, "eps", eps);
        this.lrDecay = lrDecay;
        this.eps = eps;
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code Adagrad.options().lr(1e-3f).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** The settings {@code Adagrad} adds to the rate and weight decay. */
    public static final class Options extends Optimizer.Options<Options, Adagrad> {
        private float lrDecay;
        private float eps = 1e-10f;

        Options() {
            super(1e-2f);
        }

        public Options lrDecay(float value) {
            lrDecay = value;
            return this;
        }

        public Options eps(float value) {
            eps = value;
            return this;
        }

        @Override
        public Adagrad buildGroups(List<ParamGroup> groups) {
            return new Adagrad(groups, lr, lrDecay, eps, weightDecay);
        }
    }

    @Override
    protected Update rule(Group g, long step) {
        return new Update.Adagrad(g.lr / (1 + (step - 1) * lrDecay), eps, g.weightDecay);
    }
}

package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/**
 * {@code torch.optim.Adam} (coupled L2 weight decay), {@code AdamW} (decoupled) and AMSGrad.
 * Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8; AdamW's weight decay 0.01.
 */
public final class Adam extends Optimizer {
    private final float beta2;
    private final float eps;
    private final boolean decoupled;
    private final boolean amsgrad;

    public Adam(List<Tensor> params, float lr) {
        this(single(params), lr, 0.9f, 0.999f, 1e-8f, 0f, false, false);
    }

    public Adam(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps, float weightDecay,
                boolean decoupled, boolean amsgrad) {
        super((decoupled ? "AdamW" : "Adam") + (amsgrad ? " (AMSGrad)" : ""), groups, lr, weightDecay);
        checkBetas(beta1, beta2, eps);
        defineMomentum("beta1", beta1, true);
        this.beta2 = beta2;
        this.eps = eps;
        this.decoupled = decoupled;
        this.amsgrad = amsgrad;
    }

    public static Adam adamW(List<Tensor> params, float lr) {
        return new Adam(single(params), lr, 0.9f, 0.999f, 1e-8f, 0.01f, true, false);
    }

    public static Adam amsgrad(List<Tensor> params, float lr) {
        return new Adam(single(params), lr, 0.9f, 0.999f, 1e-8f, 0f, false, true);
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code Adam.options().lr(1e-3f).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** The settings {@code Adam} adds to the Adam family's. */
    public static final class Options extends Optimizer.AdamFamilyOptions<Options, Adam> {
        private boolean decoupled;
        private boolean amsgrad;

        Options() {
            super(1e-3f);
        }

        public Options decoupled(boolean value) {
            decoupled = value;
            return this;
        }

        public Options amsgrad(boolean value) {
            amsgrad = value;
            return this;
        }

        @Override
        public Adam buildGroups(List<ParamGroup> groups) {
            return new Adam(groups, lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad);
        }
    }

    @Override
    protected Update rule(Group g, long step) {
        return new Update.Adam(g.lr, g.momentum, beta2, eps, g.weightDecay, decoupled, amsgrad,
                1 - Math.pow(g.momentum, step), 1 - Math.pow(beta2, step));
    }
}

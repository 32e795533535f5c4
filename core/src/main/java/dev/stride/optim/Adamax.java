package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/** {@code torch.optim.Adamax}: defaults lr 2e-3, betas (0.9, 0.999), eps 1e-8. */
public final class Adamax extends Optimizer {
    private final float beta2;
    private final float eps;

    public Adamax(List<Tensor> params, float lr) {
        this(single(params), lr, 0.9f, 0.999f, 1e-8f, 0);
    }

    public Adamax(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super("Adamax", groups, lr, weightDecay);
        checkBetas(beta1, beta2, eps);
        defineMomentum("beta1", beta1, true);
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code Adamax.options().lr(1e-3f).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** The settings {@code Adamax} adds to the Adam family's. */
    public static final class Options extends Optimizer.AdamFamilyOptions<Options, Adamax> {
        Options() {
            super(2e-3f);
        }

        @Override
        public Adamax buildGroups(List<ParamGroup> groups) {
            return new Adamax(groups, lr, beta1, beta2, eps, weightDecay);
        }
    }

    @Override
    protected Update rule(Group g, long step) {
        return new Update.Adamax(g.lr, g.momentum, beta2, eps, g.weightDecay, 1 - Math.pow(g.momentum, step));
    }
}

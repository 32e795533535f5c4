package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/** {@code torch.optim.RAdam}: rectified Adam; defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
public final class RAdam extends Optimizer {
    private final float beta2;
    private final float eps;
    private final boolean decoupled;

    public RAdam(List<Tensor> params, float lr) {
        this(single(params), lr, 0.9f, 0.999f, 1e-8f, 0, false);
    }

    public RAdam(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super("RAdam", groups, lr, weightDecay);
        checkBetas(beta1, beta2, eps);
        defineMomentum("beta1", beta1, true);
        this.beta2 = beta2;
        this.eps = eps;
        this.decoupled = decoupled;
    }

    /** The variance rectification term at {@code step}, or NaN while the SMA length is at most 5. */
    static double rectification(double beta2, long step) {
        double bc2 = 1 - Math.pow(beta2, step);
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * step * Math.pow(beta2, step) / bc2;
        if (rhoT <= 5) return Double.NaN;
        return Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code RAdam.options().lr(1e-3f).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** The settings {@code RAdam} adds to the Adam family's. */
    public static final class Options extends Optimizer.AdamFamilyOptions<Options, RAdam> {
        private boolean decoupled;

        Options() {
            super(1e-3f);
        }

        public Options decoupled(boolean value) {
            decoupled = value;
            return this;
        }

        @Override
        public RAdam buildGroups(List<ParamGroup> groups) {
            return new RAdam(groups, lr, beta1, beta2, eps, weightDecay, decoupled);
        }
    }

    @Override
    protected Update rule(Group g, long step) {
        return new Update.RAdam(g.lr, g.momentum, beta2, eps, g.weightDecay, decoupled,
                1 - Math.pow(g.momentum, step), 1 - Math.pow(beta2, step), rectification(beta2, step));
    }
}

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

    @Override
    protected Update rule(Group g, long step) {
        return new Update.Adadelta(g.lr, rho, eps, g.weightDecay);
    }
}

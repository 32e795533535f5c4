package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/** {@code torch.optim.Adamax}: defaults lr 2e-3, betas (0.9, 0.999), eps 1e-8. */
public final class Adamax extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;

    public Adamax(List<Tensor> params, float lr) {
        this(single(params), lr, 0.9f, 0.999f, 1e-8f, 0);
    }

    public Adamax(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super("Adamax", groups, lr, weightDecay);
        checkBetas(beta1, beta2, eps);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    protected Update rule(Group g, long step) {
        return new Update.Adamax(g.lr, beta1, beta2, eps, g.weightDecay, 1 - Math.pow(beta1, step));
    }
}

package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/**
 * {@code torch.optim.Adam} (coupled L2 weight decay), {@code AdamW} (decoupled) and AMSGrad.
 * Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8; AdamW's weight decay 0.01.
 */
public final class Adam extends Optimizer {
    private final float beta1;
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
        this.beta1 = beta1;
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

    @Override
    protected Update rule(Group g, long step) {
        return new Update.Adam(g.lr, beta1, beta2, eps, g.weightDecay, decoupled, amsgrad,
                1 - Math.pow(beta1, step), 1 - Math.pow(beta2, step));
    }
}

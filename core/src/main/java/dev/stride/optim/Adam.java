package dev.stride.optim;

import dev.stride.backend.AdamStep;
import dev.stride.tensor.Tensor;
import java.util.List;

/**
 * {@code torch.optim.Adam} (coupled L2 weight decay) and {@code AdamW} (decoupled), defaults
 * lr 1e-3, betas (0.9, 0.999), eps 1e-8. One fused backend call updates every parameter.
 */
public final class Adam extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private long step;

    public Adam(List<Tensor> params, float lr) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, 0f, false);
    }

    public Adam(List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super(decoupled ? "AdamW" : "Adam", params, lr);
        String name = decoupled ? "AdamW" : "Adam";
        checkUnit(name, "beta1", beta1);
        checkUnit(name, "beta2", beta2);
        checkNonNegative(name, "eps", eps);
        checkNonNegative(name, "weight decay", weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /** AdamW with PyTorch's default weight decay 0.01. */
    public static Adam adamW(List<Tensor> params, float lr) {
        return new Adam(params, lr, 0.9f, 0.999f, 1e-8f, 0.01f, true);
    }

    @Override
    public void step() {
        List<Tensor> ps = withGrad();
        if (ps.isEmpty()) return;
        step++;
        backend.adamStep(storages(ps), gradStorages(ps), states(ps, 0, 2), states(ps, 1, 2),
                new AdamStep(lr, beta1, beta2, eps, weightDecay, decoupled, step));
    }

    public long stepCount() {
        return step;
    }
}

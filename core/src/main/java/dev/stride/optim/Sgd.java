package dev.stride.optim;

import dev.stride.backend.SgdStep;
import dev.stride.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** {@code torch.optim.SGD}: plain, with momentum, or Nesterov; coupled weight decay. */
public final class Sgd extends Optimizer {
    private final float momentum;
    private final float dampening;
    private final boolean nesterov;
    private final float weightDecay;
    private final Map<Tensor, Boolean> started = new IdentityHashMap<>();

    public Sgd(List<Tensor> params, float lr) {
        this(params, lr, 0, 0, false, 0);
    }

    public Sgd(List<Tensor> params, float lr, float momentum, float dampening, boolean nesterov, float weightDecay) {
        super("SGD", params, lr);
        checkNonNegative("SGD", "momentum", momentum);
        checkNonNegative("SGD", "dampening", dampening);
        checkNonNegative("SGD", "weight decay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires momentum > 0 and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step() {
        List<Tensor> ps = withGrad();
        if (ps.isEmpty()) return;
        // A buffer starts as the first gradient; parameters share one call, so all must be at the same point.
        boolean first = !started.containsKey(ps.get(0));
        for (Tensor p : ps) {
            if (started.containsKey(p) == first) {
                throw new IllegalStateException("SGD: parameters joined the momentum history at different steps");
            }
            started.put(p, true);
        }
        backend.sgdStep(storages(ps), gradStorages(ps), momentum == 0 ? null : states(ps, 0, 1),
                new SgdStep(lr, momentum, dampening, nesterov, weightDecay, first));
    }
}

package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** {@code torch.optim.SGD}: plain, momentum, or Nesterov momentum; coupled weight decay. Defaults: no momentum. */
public final class Sgd extends Optimizer {
    private final float momentum;
    private final float dampening;
    private final boolean nesterov;

    public Sgd(List<Tensor> params, float lr) {
        this(single(params), lr, 0, 0, false, 0);
    }

    public Sgd(List<ParamGroup> groups, float lr, float momentum, float dampening, boolean nesterov, float weightDecay) {
        super(nesterov ? "Nesterov" : "SGD", groups, lr, weightDecay);
        checkNonNegative(name, "momentum", momentum);
        checkNonNegative(name, "dampening", dampening);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException(name + ": Nesterov momentum requires momentum > 0 and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
    }

    public static Sgd momentum(List<Tensor> params, float lr, float momentum) {
        return new Sgd(single(params), lr, momentum, 0, false, 0);
    }

    public static Sgd nesterov(List<Tensor> params, float lr, float momentum) {
        return new Sgd(single(params), lr, momentum, 0, true, 0);
    }

    @Override
    protected Update rule(Group g, long step) {
        return rule(g, false);
    }

    private Update.Sgd rule(Group g, boolean first) {
        return new Update.Sgd(g.lr, momentum, dampening, nesterov, g.weightDecay, first);
    }

    /** A momentum buffer starts as the first gradient, so new and running buffers go in separate calls. */
    @Override
    protected void update(Group g, List<Tensor> ps) {
        if (momentum == 0) {
            apply(rule(g, false), ps);
            return;
        }
        List<Tensor> fresh = new ArrayList<>();
        List<Tensor> running = new ArrayList<>();
        for (Tensor p : ps) (hasState(p) ? running : fresh).add(p);
        if (!running.isEmpty()) apply(rule(g, false), running);
        if (!fresh.isEmpty()) apply(rule(g, true), fresh);
    }
}

package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** {@code torch.optim.SGD}: plain, momentum, or Nesterov momentum; coupled weight decay. Defaults: no momentum. */
public final class Sgd extends Optimizer {
    private final float dampening;
    private final boolean nesterov;

    public Sgd(List<Tensor> params, float lr) {
        this(single(params), lr, 0, 0, false, 0);
    }

    public Sgd(List<ParamGroup> groups, float lr, float momentum, float dampening, boolean nesterov, float weightDecay) {
        super(nesterov ? "Nesterov" : "SGD", groups, lr, weightDecay);
        defineMomentum("momentum", momentum, false);
        checkNonNegative(name, "dampening", dampening);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException(name + ": Nesterov momentum requires momentum > 0 and zero dampening");
        }
        this.dampening = dampening;
        this.nesterov = nesterov;
    }

    public static Sgd momentum(List<Tensor> params, float lr, float momentum) {
        return new Sgd(single(params), lr, momentum, 0, false, 0);
    }

    public static Sgd nesterov(List<Tensor> params, float lr, float momentum) {
        return new Sgd(single(params), lr, momentum, 0, true, 0);
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code Sgd.options().lr(1e-3f).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** The settings {@code Sgd} adds to the rate and weight decay. */
    public static final class Options extends Optimizer.Options<Options, Sgd> {
        private float momentum;
        private float dampening;
        private boolean nesterov;

        Options() {
            super(0.1f);
        }

        public Options momentum(float value) {
            momentum = value;
            return this;
        }

        public Options dampening(float value) {
            dampening = value;
            return this;
        }

        public Options nesterov(boolean value) {
            nesterov = value;
            return this;
        }

        @Override
        public Sgd buildGroups(List<ParamGroup> groups) {
            return new Sgd(groups, lr, momentum, dampening, nesterov, weightDecay);
        }
    }

    @Override
    protected Update rule(Group g, long step) {
        return rule(g, false);
    }

    private Update.Sgd rule(Group g, boolean first) {
        return new Update.Sgd(g.lr, g.momentum, dampening, nesterov, g.weightDecay, first);
    }

    /** A momentum buffer starts as the first gradient, so new and running buffers go in separate calls. */
    @Override
    protected void update(Group g, List<Tensor> ps, long step) {
        if (g.momentum == 0) {
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

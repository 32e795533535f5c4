package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;

/**
 * {@code torch.optim.NAdam}: Adam with Nesterov momentum and momentum decay;
 * defaults lr 2e-3, betas (0.9, 0.999), eps 1e-8, momentum decay 4e-3.
 */
public final class Nadam extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float momentumDecay;
    /** Π μ_1..μ_t by t, grown as parameters reach new step counts; a pure function of t since β1 is fixed. */
    private final List<Double> muProducts = new java.util.ArrayList<>(List.of(1.0));

    public Nadam(List<Tensor> params, float lr) {
        this(single(params), lr, 0.9f, 0.999f, 1e-8f, 0, 4e-3f);
    }

    public Nadam(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps, float weightDecay,
                 float momentumDecay) {
        super("NAdam", groups, lr, weightDecay);
        checkBetas(beta1, beta2, eps);
        checkNonNegative(name, "momentum decay", momentumDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.momentumDecay = momentumDecay;
    }

    private double mu(long t) {
        return beta1 * (1 - 0.5 * Math.pow(0.96, t * momentumDecay));
    }

    private double muProduct(long t) {
        while (muProducts.size() <= t) muProducts.add(muProducts.get(muProducts.size() - 1) * mu(muProducts.size()));
        return muProducts.get(Math.toIntExact(t));
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code Nadam.options().lr(1e-3f).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** The settings {@code Nadam} adds to the Adam family's. */
    public static final class Options extends Optimizer.AdamFamilyOptions<Options, Nadam> {
        private float momentumDecay = 4e-3f;

        Options() {
            super(2e-3f);
        }

        public Options momentumDecay(float value) {
            momentumDecay = value;
            return this;
        }

        @Override
        public Nadam buildGroups(List<ParamGroup> groups) {
            return new Nadam(groups, lr, beta1, beta2, eps, weightDecay, momentumDecay);
        }
    }

    @Override
    protected Update rule(Group g, long step) {
        double muProduct = muProduct(step);
        double mu = mu(step);
        double muNext = mu(step + 1);
        return new Update.Nadam(beta1, beta2, eps, g.weightDecay, g.lr * (1 - mu) / (1 - muProduct),
                g.lr * muNext / (1 - muProduct * muNext), 1 - Math.pow(beta2, step));
    }
}

package dev.stride.optim;

import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.NAdam}: Adam with Nesterov momentum and momentum decay;
 * defaults lr 2e-3, betas (0.9, 0.999), eps 1e-8, momentum decay 4e-3.
 */
public final class Nadam extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float momentumDecay;
    private double muProduct = 1;
    private long muSteps;

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

    @Override
    protected Update rule(Group g, long step) {
        if (muSteps < step) {
            muProduct *= mu(step);
            muSteps = step;
        }
        double mu = mu(step);
        double muNext = mu(step + 1);
        return new Update.Nadam(beta1, beta2, eps, g.weightDecay, g.lr * (1 - mu) / (1 - muProduct),
                g.lr * muNext / (1 - muProduct * muNext), 1 - Math.pow(beta2, step));
    }

    @Override
    public Map<String, Double> scalars() {
        Map<String, Double> s = super.scalars();
        s.put("mu_product", muProduct);
        s.put("mu_steps", (double) muSteps);
        return s;
    }

    @Override
    protected void loadScalars(Map<String, Double> scalars) {
        muProduct = scalars.getOrDefault("mu_product", 1.0);
        muSteps = scalars.getOrDefault("mu_steps", 0.0).longValue();
    }
}

package dev.stride.optim;

import java.io.Serializable;
import java.util.List;

/**
 * A first-order optimizer named and configured as plain values, so that it can be written down (command lines) and
 * shipped (Spark executors build their own from it). Unset ({@code null}) values take the chosen optimizer's
 * default; {@link #learningRate()} says which rate that is.
 */
public record OptimizerSpec(String name, Float lr, Float momentum, Float weightDecay, float beta1, float beta2, Float eps,
                            float alpha, boolean centered, float rho) implements Serializable {
    public static final List<String> NAMES = List.of("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "amsgrad",
            "adamw", "adamax", "nadam", "adadelta", "radam");

    public OptimizerSpec {
        if (!NAMES.contains(name)) throw new IllegalArgumentException("unknown optimizer '" + name + "' (choose from " + NAMES + ")");
    }

    /** {@code name} with every other value at its default. */
    public static OptimizerSpec of(String name, Float lr) {
        return new OptimizerSpec(name, lr, null, null, 0.9f, 0.999f, null, 0.99f, false, 0.9f);
    }

    /**
     * The rate when none is given: one that trains the shipped models in a few epochs. It departs from PyTorch's
     * default where that one does not: RMSprop's 1e-2 diverges at step 2 on the MLP (1e-3 reaches 0.885 test
     * accuracy after one epoch), plain SGD's 1e-2 crawls (0.58 after one epoch, 0.875 with 0.1). The optimizers'
     * own constructors keep PyTorch's defaults.
     */
    public float learningRate() {
        if (lr != null) return lr;
        return switch (name) {
            case "sgd" -> 0.1f;
            case "adagrad", "momentum", "nesterov" -> 1e-2f;
            case "adamax", "nadam" -> 2e-3f;
            case "adadelta" -> 1f;
            default -> 1e-3f;
        };
    }

    private float wd(float fallback) {
        return weightDecay == null ? fallback : weightDecay;
    }

    private float eps(float fallback) {
        return eps == null ? fallback : eps;
    }

    private float mom(float fallback) {
        return momentum == null ? fallback : momentum;
    }

    public Optimizer create(List<ParamGroup> g) {
        float rate = learningRate();
        return switch (name) {
            case "sgd" -> new Sgd(g, rate, mom(0), 0, false, wd(0));
            case "momentum" -> new Sgd(g, rate, mom(0.9f), 0, false, wd(0));
            case "nesterov" -> new Sgd(g, rate, mom(0.9f), 0, true, wd(0));
            case "adagrad" -> new Adagrad(g, rate, 0, eps(1e-10f), wd(0));
            case "rmsprop" -> new RmsProp(g, rate, alpha, eps(1e-8f), wd(0), mom(0), centered);
            case "adam" -> new Adam(g, rate, beta1, beta2, eps(1e-8f), wd(0), false, false);
            case "amsgrad" -> new Adam(g, rate, beta1, beta2, eps(1e-8f), wd(0), false, true);
            case "adamw" -> new Adam(g, rate, beta1, beta2, eps(1e-8f), wd(0.01f), true, false);
            case "adamax" -> new Adamax(g, rate, beta1, beta2, eps(1e-8f), wd(0));
            case "nadam" -> new Nadam(g, rate, beta1, beta2, eps(1e-8f), wd(0), 4e-3f);
            case "adadelta" -> new Adadelta(g, rate, rho, eps(1e-6f), wd(0));
            default -> new RAdam(g, rate, beta1, beta2, eps(1e-8f), wd(0), false);
        };
    }
}

package dev.stride.bench;

import dev.stride.optim.Optimizer;
import dev.stride.optim.OptimizerSpec;
import dev.stride.optim.ParamGroup;
import java.util.List;
import picocli.CommandLine.Option;

/** The optimizer flags of {@code stride train}; unset values take PyTorch's defaults for the chosen optimizer. */
final class OptimizerOptions {
    enum Name { sgd, momentum, nesterov, adagrad, rmsprop, adam, amsgrad, adamw, adamax, nadam, adadelta, radam, lbfgs }

    @Option(names = "--optimizer", defaultValue = "adam", description = "Optimizer: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Name name;

    @Option(names = "--lr", description = "Learning rate (default: one that trains the shipped models: 1e-3 for adam, amsgrad, adamw, radam and rmsprop, 2e-3 for adamax and nadam, 1e-2 for momentum, nesterov and adagrad, 0.1 for sgd, 1 for adadelta and lbfgs).")
    Float lr;

    @Option(names = "--momentum", description = "Momentum (default 0.9 for momentum/nesterov, 0 for rmsprop).")
    Float momentum;

    @Option(names = "--weight-decay", description = "Weight decay (default 0; 0.01 for adamw).")
    Float weightDecay;

    @Option(names = "--beta1", defaultValue = "0.9", description = "Adam-family beta1 (default ${DEFAULT-VALUE}).")
    float beta1;

    @Option(names = "--beta2", defaultValue = "0.999", description = "Adam-family beta2 (default ${DEFAULT-VALUE}).")
    float beta2;

    @Option(names = "--eps", description = "Numerical epsilon (default: the optimizer's).")
    Float eps;

    @Option(names = "--alpha", defaultValue = "0.99", description = "RMSprop smoothing constant (default ${DEFAULT-VALUE}).")
    float alpha;

    @Option(names = "--centered", description = "Centered RMSprop.")
    boolean centered;

    @Option(names = "--rho", defaultValue = "0.9", description = "Adadelta rho (default ${DEFAULT-VALUE}).")
    float rho;

    @Option(names = "--history", defaultValue = "100", description = "L-BFGS history size (default ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--clip-norm", defaultValue = "0", description = "Clip the global gradient norm (0: off).")
    double clipNorm;

    /** The values as a spec (lbfgs has none: it is not first-order). */
    OptimizerSpec spec() {
        if (name == Name.lbfgs) throw new IllegalStateException("lbfgs is not a first-order optimizer");
        return new OptimizerSpec(name.name(), lr, momentum, weightDecay, beta1, beta2, eps, alpha, centered, rho);
    }

    /** The rate when --lr is not given: {@link OptimizerSpec#learningRate()}, and 1 for lbfgs. */
    float learningRate() {
        return name == Name.lbfgs ? (lr == null ? 1f : lr) : spec().learningRate();
    }

    /** A first-order optimizer over these parameter groups (not for lbfgs). */
    Optimizer create(List<ParamGroup> g) {
        return spec().create(g);
    }
}

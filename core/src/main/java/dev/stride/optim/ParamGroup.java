package dev.stride.optim;

import dev.stride.tensor.Tensor;
import java.util.List;

/**
 * Parameters that share a learning rate and weight decay, as PyTorch's {@code param_groups}: per-layer rates,
 * a body fine-tuned slower than its head. Unset values fall back to the optimizer's.
 */
public final class ParamGroup {
    final List<Tensor> params;
    Float lr;
    Float weightDecay;
    Float momentum;

    private ParamGroup(List<Tensor> params) {
        this.params = List.copyOf(params);
    }

    public static ParamGroup of(List<Tensor> params) {
        return new ParamGroup(params);
    }

    public ParamGroup lr(float value) {
        lr = value;
        return this;
    }

    public ParamGroup weightDecay(float value) {
        weightDecay = value;
        return this;
    }

    /** The group's momentum (β1 for the Adam family), for optimizers that have one. */
    public ParamGroup momentum(float value) {
        momentum = value;
        return this;
    }

    public List<Tensor> params() {
        return params;
    }
}

package dev.stride.backend;

/**
 * Hyper-parameters of one Adam/AdamW step, as {@code torch.optim.Adam}/{@code AdamW} define it.
 * {@code step} counts from 1. With {@code decoupled}, weight decay multiplies the parameter by
 * {@code 1 - lr*weightDecay} (AdamW); otherwise {@code weightDecay*p} is added to the gradient (Adam).
 */
public record AdamStep(float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long step) {
    /** {@code 1 - beta1^step}, computed in double as PyTorch does. */
    public double biasCorrection1() {
        return 1 - Math.pow(beta1, step);
    }

    /** {@code 1 - beta2^step}. */
    public double biasCorrection2() {
        return 1 - Math.pow(beta2, step);
    }
}

package dev.stride.backend;

/**
 * Hyper-parameters of one SGD step as {@code torch.optim.SGD} defines it:
 * {@code g += wd*p}; with momentum {@code buf = momentum*buf + (1-dampening)*g} (buf = g on the first step),
 * {@code g = nesterov ? g + momentum*buf : buf}; then {@code p -= lr*g}.
 */
public record SgdStep(float lr, float momentum, float dampening, boolean nesterov, float weightDecay, boolean firstStep) {}

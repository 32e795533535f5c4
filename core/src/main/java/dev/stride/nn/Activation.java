package dev.stride.nn;

import dev.stride.tensor.Tensor;
import java.util.function.UnaryOperator;

/** A parameter-free elementwise layer. */
public class Activation extends Module {
    private final String name;
    private final UnaryOperator<Tensor> fn;

    protected Activation(String name, UnaryOperator<Tensor> fn) {
        this.name = name;
        this.fn = fn;
    }

    public static Activation relu() {
        return new Activation("ReLU", Tensor::relu);
    }

    public static Activation sigmoid() {
        return new Activation("Sigmoid", Tensor::sigmoid);
    }

    public static Activation tanh() {
        return new Activation("Tanh", Tensor::tanh);
    }

    /** {@code torch.nn.LeakyReLU}, default slope 0.01. */
    public static Activation leakyRelu(float slope) {
        if (!Float.isFinite(slope)) throw new IllegalArgumentException("LeakyReLU: negative slope must be finite, got " + slope);
        return new Activation("LeakyReLU(" + slope + ")", x -> Functional.leakyRelu(x, slope));
    }

    /** {@code torch.nn.ELU}, default alpha 1. */
    public static Activation elu(float alpha) {
        if (!(alpha >= 0)) throw new IllegalArgumentException("ELU: alpha must be >= 0, got " + alpha);
        return new Activation("ELU(" + alpha + ")", x -> Functional.elu(x, alpha));
    }

    /** {@code torch.nn.GELU}: exact (erf) or the tanh approximation. */
    public static Activation gelu(boolean tanhApproximation) {
        return new Activation(tanhApproximation ? "GELU(tanh)" : "GELU", x -> Functional.gelu(x, tanhApproximation));
    }

    /** {@code torch.nn.Hardtanh}, default [-1, 1]. */
    public static Activation hardTanh(float min, float max) {
        if (!(min < max)) throw new IllegalArgumentException("Hardtanh: min must be below max, got " + min + ", " + max);
        return new Activation("Hardtanh", x -> Functional.hardTanh(x, min, max));
    }

    public static Activation softmax(int axis) {
        return new Activation("Softmax(" + axis + ")", x -> x.softmax(axis));
    }

    public static Activation logSoftmax(int axis) {
        return new Activation("LogSoftmax(" + axis + ")", x -> x.logSoftmax(axis));
    }

    private boolean tracking;
    private Tensor everActive;

    /**
     * For ReLU: while on, records in training mode which units (positions after the batch dimension) were positive
     * for any sample since the last {@link #resetDeadTracking()}, on the backend, with no host read.
     */
    public Activation trackDead(boolean on) {
        tracking = on && name.equals("ReLU");
        return this;
    }

    public boolean isRelu() {
        return name.equals("ReLU");
    }

    public void resetDeadTracking() {
        if (everActive != null) everActive.close();
        everActive = null;
    }

    /** The fraction of units that were zero for every sample since the last reset (a dying-ReLU count); NaN if none seen. */
    public double deadFraction() {
        return everActive == null ? Double.NaN : 1 - everActive.mean().item();
    }

    @Override
    public Tensor forward(Tensor x) {
        return observe(fn.apply(x));
    }

    /** Records {@code y}, this layer's output computed elsewhere (a fused op), as {@link #forward} does its own. */
    Tensor observe(Tensor y) {
        if (tracking && isTraining() && y.rank() >= 1) {
            try (dev.stride.autograd.NoGrad ignored = dev.stride.autograd.NoGrad.enter()) {
                Tensor fired = y.gt(0f).sum(0, false).gt(0f);
                Tensor next = (everActive == null ? fired : everActive.maximum(fired)).persist();
                if (everActive != null) everActive.close();
                everActive = next;
            }
        }
        return y;
    }

    @Override
    public String toString() {
        return name;
    }
}

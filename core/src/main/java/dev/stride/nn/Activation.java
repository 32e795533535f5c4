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

    @Override
    public Tensor forward(Tensor x) {
        return fn.apply(x);
    }

    @Override
    public String toString() {
        return name;
    }
}

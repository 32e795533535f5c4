package dev.stride.nn;

import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;

/**
 * Inverted dropout: in training each element is kept with probability 1-p and scaled by 1/(1-p), with the
 * Philox mask of DESIGN.md drawn from the generator; identity in evaluation.
 */
public final class Dropout extends Module {
    private final float p;
    private Generator gen;

    public Dropout(float p) {
        this(p, Generator.global());
    }

    public Dropout(float p, Generator gen) {
        Functional.checkDropout("Dropout", p);
        this.p = p;
        this.gen = gen;
    }

    /** Draws masks from {@code g} from now on: a data-parallel worker gives each replica its own, seeded per step. */
    public Dropout generator(Generator g) {
        this.gen = g;
        return this;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.dropout(x, p, isTraining(), gen);
    }
}

package dev.stride.train;

/** Hooks into {@link Trainer#fit}; every method is optional. */
public interface Callback {
    /** After every optimizer step. */
    default void stepEnd(Trainer trainer) {}

    /** After every epoch, with its training numbers and the validation evaluation. */
    default void epochEnd(Trainer trainer, Trainer.EpochStats train, Trainer.Evaluation validation) throws java.io.IOException {}

    /** Asked after {@link #epochEnd}: whether training should stop now. */
    /** Once when {@link Trainer#fit} returns or stops on an error: for work too costly to repeat every epoch. */
    default void trainEnd(Trainer trainer) throws java.io.IOException {}

    default boolean shouldStop() {
        return false;
    }

    /**
     * The name under which a checkpoint keeps this callback's state (EMA weights, the best validation loss so far), or
     * null when it keeps none; a resumed run then continues exactly as a straight one.
     */
    default String stateName() {
        return null;
    }

    default java.util.Map<String, dev.stride.tensor.Tensor> stateTensors() {
        return java.util.Map.of();
    }

    default java.util.Map<String, Double> stateScalars() {
        return java.util.Map.of();
    }

    /** Restores what {@link #stateTensors} and {@link #stateScalars} returned. */
    default void loadState(java.util.Map<String, dev.stride.tensor.Tensor> tensors, java.util.Map<String, Double> scalars) {}
}

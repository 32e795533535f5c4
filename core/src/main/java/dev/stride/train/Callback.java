package dev.stride.train;

/** Hooks into {@link Trainer#fit}; every method is optional. */
public interface Callback {
    /** After every optimizer step. */
    default void stepEnd(Trainer trainer) {}

    /** After every epoch, with its training numbers and the validation evaluation. */
    default void epochEnd(Trainer trainer, Trainer.EpochStats train, Trainer.Evaluation validation) throws java.io.IOException {}

    /** Asked after {@link #epochEnd}: whether training should stop now. */
    default boolean shouldStop() {
        return false;
    }
}

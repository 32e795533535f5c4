package dev.stride.train;

/** The loss became NaN or infinite; thrown before the step that would have applied it. */
public final class TrainingDivergedException extends RuntimeException {
    private final long step;

    public TrainingDivergedException(String message, long step) {
        super(message);
        this.step = step;
    }

    /** The global step (from 1) whose loss was not finite. */
    public long step() {
        return step;
    }
}

package dev.stride.train;

/** Stops when the validation loss has not improved by more than {@code minDelta} for {@code patience} epochs. */
public final class EarlyStopping implements Callback {
    private final int patience;
    private final double minDelta;
    private double best = Double.POSITIVE_INFINITY;
    private int waited;

    public EarlyStopping(int patience, double minDelta) {
        if (patience < 1) throw new IllegalArgumentException("early stopping: patience must be >= 1, got " + patience);
        this.patience = patience;
        this.minDelta = minDelta;
    }

    @Override
    public void epochEnd(Trainer trainer, Trainer.EpochStats train, Trainer.Evaluation validation) {
        if (validation.loss() < best - minDelta) {
            best = validation.loss();
            waited = 0;
        } else {
            waited++;
        }
    }

    @Override
    public String stateName() {
        return "early_stopping";
    }

    @Override
    public java.util.Map<String, Double> stateScalars() {
        return java.util.Map.of("best", best, "waited", (double) waited);
    }

    @Override
    public void loadState(java.util.Map<String, dev.stride.tensor.Tensor> tensors, java.util.Map<String, Double> scalars) {
        best = scalars.getOrDefault("best", Double.POSITIVE_INFINITY);
        waited = scalars.getOrDefault("waited", 0.0).intValue();
    }

    @Override
    public boolean shouldStop() {
        return waited >= patience;
    }
}

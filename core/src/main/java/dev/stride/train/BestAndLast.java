package dev.stride.train;

import dev.stride.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes {@code last.safetensors} after every epoch and {@code best.safetensors} when validation loss improves. */
public final class BestAndLast implements Callback {
    private final Path dir;
    private final Module model;
    private final java.util.Map<String, String> recipe;
    private double best = Double.POSITIVE_INFINITY;

    public BestAndLast(Path dir, Module model) {
        this(dir, model, java.util.Map.of());
    }

    /** With the run's recipe recorded in both files, so that either can be resumed ({@link Checkpoint#save}). */
    public BestAndLast(Path dir, Module model, java.util.Map<String, String> recipe) {
        this.dir = dir;
        this.model = model;
        this.recipe = recipe;
    }

    @Override
    public String stateName() {
        return "best_and_last";
    }

    @Override
    public java.util.Map<String, Double> stateScalars() {
        return java.util.Map.of("best_validation_loss", best);
    }

    @Override
    public void loadState(java.util.Map<String, dev.stride.tensor.Tensor> tensors, java.util.Map<String, Double> scalars) {
        best = scalars.getOrDefault("best_validation_loss", Double.POSITIVE_INFINITY);
    }

    public Path best() {
        return dir.resolve("best.safetensors");
    }

    public Path last() {
        return dir.resolve("last.safetensors");
    }

    @Override
    public void epochEnd(Trainer trainer, Trainer.EpochStats train, Trainer.Evaluation validation) throws IOException {
        Files.createDirectories(dir);
        boolean improved = validation.loss() < best;
        if (improved) best = validation.loss();
        Checkpoint.save(last(), model, trainer.optimizer(), trainer, recipe);
        if (improved) Checkpoint.save(best(), model, trainer.optimizer(), trainer, recipe);
    }
}

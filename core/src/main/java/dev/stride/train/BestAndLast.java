package dev.stride.train;

import dev.stride.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes {@code last.safetensors} after every epoch and {@code best.safetensors} when validation loss improves. */
public final class BestAndLast implements Callback {
    private final Path dir;
    private final Module model;
    private double best = Double.POSITIVE_INFINITY;

    public BestAndLast(Path dir, Module model) {
        this.dir = dir;
        this.model = model;
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
        Checkpoint.save(last(), model, trainer.optimizer(), trainer);
        if (validation.loss() < best) {
            best = validation.loss();
            Checkpoint.save(best(), model, trainer.optimizer(), trainer);
        }
    }
}

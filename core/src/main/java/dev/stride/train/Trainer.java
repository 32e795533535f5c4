package dev.stride.train;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.nn.Module;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Tensor;
import java.util.function.BiFunction;

/**
 * The training loop: forward, loss, a finite-loss guard, backward, one fused optimizer step. A non-finite
 * loss stops the run before its step is applied, so the model keeps its last good weights.
 */
public final class Trainer {
    private final Module model;
    private final Optimizer optimizer;
    private final BiFunction<Tensor, Tensor, Tensor> loss;
    private long step;

    /** Receives each batch's loss as training goes. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (epoch, batch, batches, loss) -> {};

        void batchEnd(int epoch, int batch, int batches, float loss);
    }

    /** One epoch's numbers: mean training loss and accuracy over its batches, and the time spent training. */
    public record EpochStats(int epoch, double loss, double accuracy, long samples, double seconds) {
        public double samplesPerSecond() {
            return samples / seconds;
        }
    }

    /** {@code loss} maps (model output, labels) to a scalar. */
    public Trainer(Module model, Optimizer optimizer, BiFunction<Tensor, Tensor, Tensor> loss) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
    }

    public long step() {
        return step;
    }

    public EpochStats trainEpoch(DataLoader loader, int epoch, Listener listener) {
        model.train();
        double lossSum = 0;
        long correct = 0;
        long samples = 0;
        int batches = loader.batchesPerEpoch();
        int b = 0;
        long start = System.nanoTime();
        for (DataLoader.Batch batch : loader.epoch(epoch)) {
            step++;
            Tensor out = model.forward(batch.inputs());
            Tensor l = loss.apply(out, batch.labels());
            float value = l.item();
            if (!Float.isFinite(value)) {
                throw new TrainingDivergedException("loss became " + value + " at step " + step + " (epoch " + (epoch + 1)
                        + ", batch " + (b + 1) + " of " + batches + ", learning rate " + optimizer.learningRate()
                        + "); stopped before applying it", step);
            }
            optimizer.zeroGrad();
            l.backward();
            optimizer.step();
            lossSum += (double) value * batch.size();
            correct += countCorrect(out, batch.labels());
            samples += batch.size();
            listener.batchEnd(epoch, ++b, batches, value);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new EpochStats(epoch, lossSum / samples, (double) correct / samples, samples, seconds);
    }

    /** Classification accuracy of {@code model} (in eval mode) on {@code data}. */
    public static double accuracy(Module model, Dataset data, int batchSize, Backend backend) {
        boolean wasTraining = model.isTraining();
        model.eval();
        long correct = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            DataLoader loader = new DataLoader(data, batchSize, false, 0, false, backend);
            for (DataLoader.Batch batch : loader.epoch(0)) correct += countCorrect(model.forward(batch.inputs()), batch.labels());
        } finally {
            if (wasTraining) model.train();
        }
        return data.size() == 0 ? 0 : (double) correct / data.size();
    }

    private static long countCorrect(Tensor logits, Tensor labels) {
        int[] pred = logits.detach().argmax(1, false).toIntArray();
        int[] y = labels.toIntArray();
        long c = 0;
        for (int i = 0; i < y.length; i++) if (pred[i] == y[i]) c++;
        return c;
    }
}

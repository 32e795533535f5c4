package dev.stride.train;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.nn.Module;
import dev.stride.optim.schedule.CosineWarmRestarts;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model ensembles: the average of the members' softmax probabilities. Members are weight sets of one
 * architecture (loaded into the model in turn), so snapshot ensembles cost one model's memory, plus the
 * snapshots. {@link Snapshots} collects them at the ends of cosine warm-restart cycles.
 */
public final class Ensemble {
    private Ensemble() {}

    /** A copy of the model's state on the host; integer buffers (batch counters) are held exactly as floats. */
    public static Map<String, float[]> snapshot(Module model) {
        Map<String, float[]> s = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> {
            if (v.dtype() == DType.F32) {
                s.put(k, v.toFloatArray());
            } else {
                int[] ints = v.toIntArray();
                float[] f = new float[ints.length];
                for (int i = 0; i < f.length; i++) f[i] = ints[i];
                s.put(k, f);
            }
        });
        return s;
    }

    /** Puts a {@link #snapshot} back through {@link Module#loadStateDict}, so layers that mirror a buffer see it. */
    static void load(Module model, Map<String, float[]> state) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> {
            Tensor t = Tensor.of(v.backend(), state.get(k), v.shape());
            tensors.put(k, v.dtype() == DType.F32 ? t : t.to(v.dtype()));
        });
        model.loadStateDict(tensors);
        tensors.values().forEach(Tensor::close);
    }

    /** Accuracy of the averaged prediction of {@code members} on {@code data}; the model's own weights are restored. */
    public static double accuracy(Module model, List<Map<String, float[]>> members, Dataset data, Backend backend) {
        if (members.isEmpty()) throw new IllegalArgumentException("ensemble: no members");
        Map<String, float[]> own = snapshot(model);
        boolean training = model.isTraining();
        model.eval();
        long correct = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (DataLoader.Batch b : new DataLoader(data, 1000, false, 0, false, backend).epoch(0)) {
                Tensor sum = null;
                for (Map<String, float[]> m : members) {
                    load(model, m);
                    Tensor p = model.forward(b.inputs()).softmax(1);
                    sum = sum == null ? p : sum.add(p);
                }
                int[] pred = sum.argmax(1, false).toIntArray();
                int[] y = b.labels().toIntArray();
                for (int i = 0; i < y.length; i++) if (pred[i] == y[i]) correct++;
            }
        } finally {
            load(model, own);
            if (training) model.train();
        }
        return (double) correct / data.size();
    }

    /**
     * Collects a snapshot after every epoch whose last step ends a cycle of a cosine warm-restart schedule
     * applied per step (cycles that are whole epochs long end exactly at epoch ends).
     */
    public static final class Snapshots implements Callback {
        private final Module model;
        private final CosineWarmRestarts schedule;
        private final List<Map<String, float[]>> taken = new ArrayList<>();

        public Snapshots(Module model, CosineWarmRestarts schedule) {
            this.model = model;
            this.schedule = schedule;
        }

        @Override
        public void epochEnd(Trainer trainer, Trainer.EpochStats train, Trainer.Evaluation validation) {
            if (schedule.cycleEndsAt(trainer.step() - 1)) taken.add(snapshot(model));
        }

        public List<Map<String, float[]>> taken() {
            return taken;
        }
    }
}

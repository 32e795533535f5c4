package dev.stride.testing;

import static dev.stride.testing.ParityPrimitives.down;
import static dev.stride.testing.ParityPrimitives.upload;
import static dev.stride.testing.ParityPrimitives.values;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Activation;
import dev.stride.nn.BatchNorm;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Dropout;
import dev.stride.nn.Flatten;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Module;
import dev.stride.nn.Sequential;
import dev.stride.optim.Adam;
import dev.stride.optim.Sgd;
import dev.stride.optim.schedule.ReduceOnPlateau;
import dev.stride.optim.schedule.Schedule;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import dev.stride.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Parity cases for training: every optimizer rule and mode over ten steps on the same gradients (parameters and all
 * state), every schedule's rates, and two short end-to-end trainings (an MLP and a CNN with batch norm and dropout)
 * compared step by step.
 */
final class ParityTraining {
    private ParityTraining() {}

    /** Every {@link Update} rule in each of its modes, with bias corrections as at step 10. */
    static List<Update> rules() {
        double bc1 = 1 - Math.pow(0.9, 10);
        double bc2 = 1 - Math.pow(0.999, 10);
        return List.of(
                new Update.Sgd(0.1f, 0f, 0f, false, 0f, false),
                new Update.Sgd(0.1f, 0.9f, 0.1f, false, 1e-2f, false),
                new Update.Sgd(0.1f, 0.9f, 0f, true, 0f, true),
                new Update.Adagrad(0.05f, 1e-10f, 1e-2f),
                new Update.RmsProp(0.01f, 0.99f, 1e-8f, 0f, 0f, false),
                new Update.RmsProp(0.01f, 0.9f, 1e-8f, 1e-2f, 0.9f, true),
                new Update.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, false, bc1, bc2),
                new Update.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, true, false, bc1, bc2),
                new Update.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, false, true, bc1, bc2),
                new Update.Adamax(2e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, bc1),
                new Update.Nadam(0.9f, 0.999f, 1e-8f, 1e-2f, 1.9e-4, 1.7e-3, bc2),
                new Update.Adadelta(1f, 0.9f, 1e-6f, 1e-2f),
                new Update.RAdam(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, false, bc1, bc2, Double.NaN),
                new Update.RAdam(1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, true, bc1, bc2, 0.37));
    }

    static final int[] SIZES = {1, 3, 31, 33, 4097};

    static List<Parity.Case> cases() {
        List<Parity.Case> c = new ArrayList<>();
        Tolerance steps = new Tolerance(1e-5, 1e-6);
        for (Update rule : rules()) {
            c.add(new Parity.Case("optimizerStep " + rule.getClass().getSimpleName() + " " + rule, "optimizer", steps,
                    "ten steps", be -> tenSteps(be, rule)));
        }
        Map<String, Schedule> schedules = new LinkedHashMap<>();
        schedules.put("constant", Schedule.constant());
        schedules.put("step", Schedule.step(7, 0.5));
        schedules.put("multiStep", Schedule.multiStep(new long[] {5, 20}, 0.1));
        schedules.put("exponential", Schedule.exponential(0.9));
        schedules.put("inverseTime", Schedule.inverseTime(0.5, 10));
        schedules.put("polynomial", Schedule.polynomial(40, 2, 1e-4));
        schedules.put("cosine", Schedule.cosine(40, 1e-4));
        schedules.put("cosineWarmRestarts", Schedule.cosineWarmRestarts(5, 2, 1e-4));
        schedules.put("cyclic", Schedule.cyclic(0.1, 4, 6, Schedule.CyclicMode.TRIANGULAR2, 0.99));
        schedules.put("oneCycle", Schedule.oneCycle(0.1, 40, 0.3, 25, 1e4));
        schedules.put("warmup", Schedule.warmup(Schedule.cosine(40, 0), 5, 0.1));
        schedules.put("oneCycleMomentum", Schedule.oneCycleMomentum(0.85, 0.95, 40, 0.25, Schedule.Anneal.LINEAR, true));
        schedules.put("cyclicMomentum", Schedule.cyclicMomentum(0.8, 0.9, 4, 6, Schedule.CyclicMode.EXP_RANGE, 0.99));
        schedules.put("linear", Schedule.linear(0.25, 1, 8));
        schedules.put("sequential", Schedule.sequential(List.of(Schedule.linear(0.1, 1, 5), Schedule.cosine(30, 0)), new long[] {5}));
        schedules.put("chained", Schedule.chained(Schedule.step(5, 0.5), Schedule.exponential(0.97)));
        schedules.forEach((name, s) -> c.add(new Parity.Case("schedule " + name, "schedule", ParityPrimitives.EXACT,
                "rates are computed on the host", be -> {
                    float[] r = new float[50];
                    for (int t = 0; t < r.length; t++) r[t] = (float) s.lr(0.01, t);
                    return ParityPrimitives.out("rates", r);
                })));
        c.add(new Parity.Case("schedule ReduceOnPlateau", "schedule", ParityPrimitives.EXACT, "rates follow host metrics", be -> {
            Tensor w = Tensor.zeros(be, 3).requiresGrad(true);
            Sgd sgd = new Sgd(List.of(w), 0.1f);
            ReduceOnPlateau p = ReduceOnPlateau.defaults();
            float[] r = new float[40];
            for (int t = 0; t < r.length; t++) {
                p.step(1.0 / (1 + Math.min(t, 8)), sgd);
                r[t] = sgd.learningRate();
            }
            return ParityPrimitives.out("rates", r);
        }));
        Tolerance training = new Tolerance(1e-4, 1e-5);
        String why = "eight Adam steps compound GEMM and reduction rounding";
        c.add(new Parity.Case("training mlp step by step", "training", training, why, be -> train(be, ParityTraining::mlp)));
        c.add(new Parity.Case("training cnn step by step", "training", training, why, be -> train(be, ParityTraining::cnn)));
        return c;
    }

    /** Ten steps of {@code rule} over parameters of sizes 1, 3, 31, 33 and 4097, from random state. */
    private static Map<String, float[]> tenSteps(Backend be, Update rule) {
        List<Storage> params = new ArrayList<>();
        List<Storage[]> state = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            int n = SIZES[i];
            params.add(upload(be, values(n, 100 + i, -1, 1)));
            Storage[] s = new Storage[rule.slots()];
            // Positive state, as sums of squares are; a centered RMSProp's gradient average small against its square.
            for (int k = 0; k < s.length; k++) s[k] = upload(be, values(n, 7 * i + k, 0f, k == 2 ? 1e-3f : 0.1f));
            state.add(s);
        }
        for (int step = 0; step < 10; step++) {
            List<Storage> grads = new ArrayList<>();
            for (int i = 0; i < SIZES.length; i++) grads.add(upload(be, values(SIZES[i], 1000 * step + i, -0.5f, 0.5f)));
            be.optimizerStep(rule, params, grads, state);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < SIZES.length; i++) {
            out.put("parameter " + i, down(params.get(i)));
            for (int k = 0; k < state.get(i).length; k++) out.put("state " + k + " of parameter " + i, down(state.get(i)[k]));
        }
        return out;
    }

    static Module mlp() {
        Backend cpu = Backends.get("cpu");
        Generator gen = new Generator(1);
        return new Sequential(new Flatten(), new Linear(64, 24, true, Init.Scheme.PYTORCH_DEFAULT, cpu, gen), Activation.relu(),
                new Linear(24, 4, true, Init.Scheme.PYTORCH_DEFAULT, cpu, gen));
    }

    static Module cnn() {
        Backend cpu = Backends.get("cpu");
        Generator gen = new Generator(2);
        return new Sequential(new Conv2d(1, 4, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, cpu, gen),
                BatchNorm.batchNorm2d(4, 0.1f, 1e-5f, cpu), Activation.relu(), new MaxPool2d(2), new Dropout(0.25f, gen),
                new Flatten(), new Linear(4 * 4 * 4, 4, true, Init.Scheme.PYTORCH_DEFAULT, cpu, gen));
    }

    /** Every step's loss and the final parameters after two epochs of Adam on 16 synthetic images. */
    private static Map<String, float[]> train(Backend be, Supplier<Module> build) {
        Module net = build.get();
        net.to(be);
        Trainer t = new Trainer(net, new Adam(net.parameters(), 1e-2f), Loss::crossEntropy).monitor(0);
        Dataset data = SyntheticData.images(16, 8, 4, 3);
        DataLoader loader = new DataLoader(data, 4, true, 4, false, be);
        List<Float> losses = new ArrayList<>();
        for (int e = 0; e < 2; e++) t.trainEpoch(loader, (epoch, b, n, loss) -> losses.add(loss));
        float[] l = new float[losses.size()];
        for (int i = 0; i < l.length; i++) l[i] = losses.get(i);
        Map<String, float[]> out = new LinkedHashMap<>();
        out.put("step losses", l);
        net.namedParameters().forEach((k, p) -> out.put(k, p.toFloatArray()));
        return out;
    }
}

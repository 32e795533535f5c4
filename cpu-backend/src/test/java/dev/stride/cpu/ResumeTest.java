package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Activation;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Sequential;
import dev.stride.optim.Adam;
import dev.stride.optim.Clip;
import dev.stride.optim.Nadam;
import dev.stride.optim.Optimizer;
import dev.stride.optim.ParamGroup;
import dev.stride.optim.Sgd;
import dev.stride.optim.schedule.ReduceOnPlateau;
import dev.stride.optim.schedule.Schedule;
import dev.stride.random.Generator;
import dev.stride.random.Philox;
import dev.stride.tensor.Tensor;
import dev.stride.train.Checkpoint;
import dev.stride.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint and resume, parameter groups and clipping. */
class ResumeTest {
    static final CpuBackend CPU = new CpuBackend();

    @TempDir
    Path dir;

    private static Dataset data() {
        int n = 96;
        float[] x = new float[n * 6];
        int[] y = new int[n];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 6; j++) {
                Philox.words(4, 0, (long) i * 6 + j, w);
                x[i * 6 + j] = Philox.normal(w[0], w[1]) + (j % 3 == y[i] ? 1.5f : 0);
            }
        }
        return new Dataset(x, y, new int[] {6}, 3);
    }

    private static Sequential model() {
        Generator g = new Generator(11);
        return new Sequential(new Linear(6, 16, true, Init.Scheme.HE_UNIFORM, CPU, g), Activation.relu(),
                new Linear(16, 3, true, Init.Scheme.HE_UNIFORM, CPU, g));
    }

    private static Trainer trainer(Sequential m, Optimizer opt) {
        return new Trainer(m, opt, Loss::crossEntropy)
                .schedule(Schedule.warmup(Schedule.cosine(4, 1e-4), 1, 0.1), false)
                .plateau(new ReduceOnPlateau(ReduceOnPlateau.Mode.MIN, 0.5, 0, 0.5, true, 0, 0))
                .clipNorm(5);
    }

    private float[][] run(Function<Sequential, Optimizer> makeOpt, boolean interrupt) throws IOException {
        DataLoader loader = new DataLoader(data(), 16, true, 5, false, CPU);
        Sequential m = model();
        Optimizer opt = makeOpt.apply(m);
        Trainer t = trainer(m, opt);
        for (int e = 0; e < 4; e++) {
            if (interrupt && e == 2) {
                Path f = dir.resolve("ckpt.safetensors");
                Checkpoint.save(f, m, opt, t);
                m = model();
                opt = makeOpt.apply(m);
                t = trainer(m, opt);
                Checkpoint.load(f, m, opt, t);
                assertEquals(2, t.epochsDone());
            }
            Trainer.EpochStats s = t.trainEpoch(loader, Trainer.Listener.NONE);
            t.endEpoch(s.loss());
        }
        float[][] out = new float[4][];
        int i = 0;
        for (Tensor p : m.parameters()) out[i++] = p.toFloatArray();
        return out;
    }

    @Test
    void resumedRunIsBitIdenticalToUninterrupted() throws IOException {
        for (Function<Sequential, Optimizer> make : List.<Function<Sequential, Optimizer>>of(
                m -> new Adam(m.parameters(), 0.01f),
                m -> new Nadam(m.parameters(), 0.01f),
                m -> Sgd.momentum(m.parameters(), 0.05f, 0.9f))) {
            float[][] straight = run(make, false);
            float[][] resumed = run(make, true);
            for (int i = 0; i < straight.length; i++) assertArrayEquals(straight[i], resumed[i], "parameter " + i);
        }
    }

    @Test
    void checkpointForAnotherModelIsRejectedAndChangesNothing() throws IOException {
        Sequential m = model();
        Adam opt = new Adam(m.parameters(), 0.01f);
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(f, m, opt, null);
        Generator g = new Generator(1);
        Sequential other = new Sequential(new Linear(6, 8, true, Init.Scheme.HE_UNIFORM, CPU, g));
        float[] before = other.parameters().get(0).toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.load(f, other, new Adam(other.parameters(), 0.01f), null));
        assertTrue(e.getMessage().contains("c.safetensors") && e.getMessage().contains("'0.weight'")
                && e.getMessage().contains("[16, 6]") && e.getMessage().contains("[8, 6]"), e.getMessage());
        assertArrayEquals(before, other.parameters().get(0).toFloatArray());
    }

    @Test
    void anotherKindOfOptimizerIsRefusedAndChangesNothing() throws IOException {
        Sequential m = model();
        Adam adam = new Adam(m.parameters(), 0.01f);
        m.parameters().get(0).setGrad(Tensor.full(CPU, 0.5f, m.parameters().get(0).shape()));
        adam.step();
        Path f = dir.resolve("adam.safetensors");
        Checkpoint.save(f, m, adam, null);
        Sequential same = model();
        float[] before = same.parameters().get(0).toFloatArray();
        dev.stride.optim.Nadam nadam = new dev.stride.optim.Nadam(same.parameters(), 0.01f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(f, same, nadam, null));
        assertTrue(e.getMessage().contains("adam.safetensors") && e.getMessage().contains("optimizer kind Adam -> NAdam"), e.getMessage());
        assertArrayEquals(before, same.parameters().get(0).toFloatArray());
        assertEquals(0, nadam.stepCount());
    }

    @Test
    void groupsHaveTheirOwnRatesAndFrozenParametersStay() {
        Tensor body = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        Tensor head = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        Tensor frozen = Tensor.of(CPU, new float[] {1}, 1);
        Sgd opt = new Sgd(List.of(ParamGroup.of(List.of(body)).lr(0.01f), ParamGroup.of(List.of(head))), 0.1f, 0, 0, false, 0);
        body.add(head).add(frozen).square().sum().backward();
        opt.step();
        // d/dw (b + h + f)^2 = 2·3 = 6 for each of b and h.
        assertEquals(1 - 0.06f, body.item(), 1e-6);
        assertEquals(1 - 0.6f, head.item(), 1e-6);
        assertEquals(1f, frozen.item());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sgd(List.of(ParamGroup.of(List.of(body)), ParamGroup.of(List.of(head, body))), 0.1f, 0, 0, false, 0));
        assertTrue(e.getMessage().contains("parameter 1 of group 1 is the same tensor as parameter 0 of group 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Sgd(List.of(ParamGroup.of(List.of(body)).lr(Float.NaN)), 0.1f, 0, 0, false, 0));
        assertTrue(e.getMessage().contains("learning rate of group 0"), e.getMessage());
    }

    @Test
    void clippingByNormAndByValue() {
        Tensor a = Tensor.of(CPU, new float[] {0, 0}, 2).requiresGrad(true);
        Tensor b = Tensor.of(CPU, new float[] {0}, 1).requiresGrad(true);
        a.setGrad(Tensor.of(CPU, new float[] {3, 0}, 2));
        b.setGrad(Tensor.of(CPU, new float[] {4}, 1));
        assertEquals(5.0, Clip.gradNorm(List.of(a, b), 1.0).item(), 1e-6);
        assertArrayEquals(new float[] {0.6f, 0}, a.grad().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0.8f}, b.grad().toFloatArray(), 1e-6f);
        assertEquals(1.0, Clip.gradNorm(List.of(a, b), 2.0).item(), 1e-5);
        assertArrayEquals(new float[] {0.6f, 0}, a.grad().toFloatArray(), 1e-6f);
        a.setGrad(Tensor.of(CPU, new float[] {-3, 0.5f}, 2));
        Clip.gradValue(List.of(a), 1);
        assertArrayEquals(new float[] {-1, 0.5f}, a.grad().toFloatArray());
    }

    @Test
    void optimizerStateRoundTripsThroughItsMaps() {
        Sequential m = model();
        Adam opt = new Adam(m.parameters(), 0.01f);
        m.parameters().forEach(p -> p.setGrad(p.mul(2f).detach()));
        opt.step();
        Map<String, Tensor> state = opt.stateTensors();
        // PyTorch's names: exp_avg, exp_avg_sq and step for each of the four parameters.
        assertEquals(12, state.size());
        assertEquals(1f, state.get("3.step").item());
        Adam fresh = new Adam(m.parameters(), 0.01f);
        fresh.loadState(state, opt.scalars());
        assertEquals(1, fresh.stepCount());
        assertArrayEquals(state.get("2.exp_avg_sq").toFloatArray(), fresh.stateTensors().get("2.exp_avg_sq").toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fresh.loadState(Map.of("0.exp_avg", Tensor.zeros(CPU, 3)), Map.of()));
        assertTrue(e.getMessage().contains("optimizer state '0.exp_avg' has shape [3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> fresh.loadState(Map.of("0.momentum_buffer", Tensor.zeros(CPU, 3)), Map.of()));
        assertTrue(e.getMessage().contains("unexpected optimizer state '0.momentum_buffer' (parameter 0 keeps [exp_avg, exp_avg_sq])"),
                e.getMessage());
    }
}

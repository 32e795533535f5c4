package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stride.optim.Adadelta;
import dev.stride.optim.Adagrad;
import dev.stride.optim.Adam;
import dev.stride.optim.Adamax;
import dev.stride.optim.Nadam;
import dev.stride.optim.Optimizer;
import dev.stride.optim.ParamGroup;
import dev.stride.optim.RAdam;
import dev.stride.optim.RAdamAccess;
import dev.stride.optim.RmsProp;
import dev.stride.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Three steps of each optimizer on f(w) = w², w0 = 1 (so g = 2w), against the update written out by hand in
 * double precision below.
 */
class OptimizerHandTest {
    static final CpuBackend CPU = new CpuBackend();

    private static void expect(Function<List<Tensor>, Optimizer> make, double... expected) {
        Tensor w = Tensor.of(CPU, new float[] {1}, 1).requiresGrad(true);
        Optimizer opt = make.apply(List.of(w));
        for (int i = 0; i < 3; i++) {
            opt.zeroGrad();
            w.square().sum().backward();
            opt.step();
            assertEquals(expected[i], w.item(), 1e-5 * Math.max(1, Math.abs(expected[i])), "step " + (i + 1));
        }
    }

    private static List<ParamGroup> g(List<Tensor> p) {
        return List.of(ParamGroup.of(p));
    }

    @Test
    void adagrad() {
        double lr = 0.1;
        double w = 1;
        double sum = 0;
        double[] e = new double[3];
        for (int t = 0; t < 3; t++) {
            double gr = 2 * w;           // g = 2, then 2·w1, 2·w2
            sum += gr * gr;              // 4, 4 + g², ...
            w -= lr * gr / (Math.sqrt(sum) + 1e-10);
            e[t] = w;
        }
        assertEquals(0.9, e[0], 1e-9);  // 1 - 0.1·2/2
        expect(p -> new Adagrad(p, 0.1f), e);
    }

    @Test
    void rmsPropPlainAndCenteredWithMomentum() {
        // Plain: sq1 = 0.01·4 = 0.04, w1 = 1 - 0.01·2/0.2 = 0.9.
        double w = 1;
        double sq = 0;
        double[] e = new double[3];
        for (int t = 0; t < 3; t++) {
            double gr = 2 * w;
            sq = 0.99 * sq + 0.01 * gr * gr;
            w -= 0.01 * gr / (Math.sqrt(sq) + 1e-8);
            e[t] = w;
        }
        assertEquals(0.9, e[0], 1e-7);
        expect(p -> new RmsProp(p, 0.01f), e);
        // Centered with momentum 0.5 and alpha 0.9: avg = sqrt(sq - ga²) + eps, buf = 0.5·buf + g/avg.
        w = 1;
        sq = 0;
        double ga = 0;
        double buf = 0;
        for (int t = 0; t < 3; t++) {
            double gr = 2 * w;
            sq = 0.9 * sq + 0.1 * gr * gr;
            ga = 0.9 * ga + 0.1 * gr;
            buf = 0.5 * buf + gr / (Math.sqrt(sq - ga * ga) + 1e-8);
            w -= 0.01 * buf;
            e[t] = w;
        }
        expect(p -> new RmsProp(g(p), 0.01f, 0.9f, 1e-8f, 0, 0.5f, true), e);
    }

    @Test
    void amsgradKeepsTheLargestSecondMoment() {
        double w = 1;
        double m = 0;
        double v = 0;
        double vmax = 0;
        double[] e = new double[3];
        for (int t = 1; t <= 3; t++) {
            double gr = 2 * w;
            m = 0.9 * m + 0.1 * gr;
            v = 0.999 * v + 0.001 * gr * gr;
            vmax = Math.max(vmax, v);
            w -= 0.1 / (1 - Math.pow(0.9, t)) * m / (Math.sqrt(vmax) / Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8);
            e[t - 1] = w;
        }
        expect(p -> Adam.amsgrad(p, 0.1f), e);
    }

    @Test
    void adamax() {
        // u = max(0.999·u, |g| + eps); w -= lr/(1-0.9^t) · m/u. Step 1: m=0.2, u=2, w = 1 - 0.1/0.1·0.1 = 0.9.
        double w = 1;
        double m = 0;
        double u = 0;
        double[] e = new double[3];
        for (int t = 1; t <= 3; t++) {
            double gr = 2 * w;
            m = 0.9 * m + 0.1 * gr;
            u = Math.max(0.999 * u, Math.abs(gr) + 1e-8);
            w -= 0.1 / (1 - Math.pow(0.9, t)) * m / u;
            e[t - 1] = w;
        }
        assertEquals(0.9, e[0], 1e-7);
        expect(p -> new Adamax(p, 0.1f), e);
    }

    @Test
    void nadam() {
        double w = 1;
        double m = 0;
        double v = 0;
        double muProduct = 1;
        double[] e = new double[3];
        for (int t = 1; t <= 3; t++) {
            double gr = 2 * w;
            double mu = 0.9 * (1 - 0.5 * Math.pow(0.96, t * 0.004));
            double muNext = 0.9 * (1 - 0.5 * Math.pow(0.96, (t + 1) * 0.004));
            muProduct *= mu;
            m = 0.9 * m + 0.1 * gr;
            v = 0.999 * v + 0.001 * gr * gr;
            double denom = Math.sqrt(v / (1 - Math.pow(0.999, t))) + 1e-8;
            w -= 0.1 * (1 - mu) / (1 - muProduct) * gr / denom;
            w -= 0.1 * muNext / (1 - muProduct * muNext) * m / denom;
            e[t - 1] = w;
        }
        expect(p -> new Nadam(p, 0.1f), e);
    }

    @Test
    void adadelta() {
        // delta = sqrt(acc + eps)/sqrt(sq + eps)·g; step 1: sq = 0.4, delta = sqrt(1e-6/0.400001)·2 ≈ 3.16e-3.
        double w = 1;
        double sq = 0;
        double acc = 0;
        double[] e = new double[3];
        for (int t = 0; t < 3; t++) {
            double gr = 2 * w;
            sq = 0.9 * sq + 0.1 * gr * gr;
            double delta = Math.sqrt(acc + 1e-6) / Math.sqrt(sq + 1e-6) * gr;
            acc = 0.9 * acc + 0.1 * delta * delta;
            w -= 1.0 * delta;
            e[t] = w;
        }
        expect(p -> new Adadelta(p, 1f), e);
    }

    @Test
    void radamIsMomentumUntilTheVarianceIsTractable() {
        // rho_inf = 2/(1-β2) - 1 = 1999; rho_t ≤ 5 for the first steps, so w -= lr · m/(1-β1^t).
        double w = 1;
        double m = 0;
        double[] e = new double[3];
        for (int t = 1; t <= 3; t++) {
            double gr = 2 * w;
            m = 0.9 * m + 0.1 * gr;
            w -= 0.1 * m / (1 - Math.pow(0.9, t));
            e[t - 1] = w;
        }
        assertEquals(0.8, e[0], 1e-7);
        expect(p -> new RAdam(p, 0.1f), e);
    }

    @Test
    void radamRectifiedStepAfterWarmup() {
        // β2 = 0.99: rho_inf = 199; rho_t first exceeds 5 at t = 6, where the rectification starts.
        double rhoInf = 2 / (1 - 0.99) - 1;
        double t = 7;
        double rhoT = rhoInf - 2 * t * Math.pow(0.99, t) / (1 - Math.pow(0.99, t));
        double rect = Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
        assertEquals(rect, RAdamAccess.rect(0.99, 7), 1e-12);
        assertEquals(Double.NaN, RAdamAccess.rect(0.99, 5), 0);
    }
}

package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.nn.Rbm;
import dev.stride.optim.Sgd;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import dev.stride.train.RbmTraining;
import org.junit.jupiter.api.Test;

/** The RBM's energy, conditionals and contrastive divergence against values worked out by hand and by enumeration. */
class RbmTest {
    static final CpuBackend CPU = new CpuBackend();

    static Rbm rbm(int v, int h, float[] w, float[] b, float[] c) {
        Rbm r = new Rbm(v, h, Rbm.Visible.BERNOULLI, CPU, new Generator(0));
        Tensor.of(CPU, w, v, h).copyTo(r.weight().storage());
        Tensor.of(CPU, b, v).copyTo(r.visibleBias().storage());
        Tensor.of(CPU, c, h).copyTo(r.hiddenBias().storage());
        return r;
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void freeEnergyAndConditionalsOfA3x2RbmByHand() {
        // W = [[1, -1], [0.5, 2], [-2, 0]], b = (0.1, -0.2, 0.3), c = (-0.5, 0.25), v = (1, 0, 1).
        Rbm r = rbm(3, 2, new float[] {1, -1, 0.5f, 2, -2, 0}, new float[] {0.1f, -0.2f, 0.3f}, new float[] {-0.5f, 0.25f});
        Tensor v = Tensor.of(CPU, new float[] {1, 0, 1}, 1, 3);
        // vᵀW + c = (1 - 2 - 0.5, -1 + 0 + 0.25) = (-1.5, -0.75)
        double f = -(0.1 + 0.3) - Math.log1p(Math.exp(-1.5)) - Math.log1p(Math.exp(-0.75));
        assertEquals(f, r.freeEnergy(v).item(), 1e-6);
        assertArrayEquals(new float[] {(float) sigmoid(-1.5), (float) sigmoid(-0.75)}, r.hiddenProbs(v).toFloatArray(), 1e-6f);
        // h = (1, 1): b + W h = (0.1 + 0, -0.2 + 2.5, 0.3 - 2)
        Tensor h = Tensor.of(CPU, new float[] {1, 1}, 1, 2);
        assertArrayEquals(new float[] {(float) sigmoid(0.1), (float) sigmoid(2.3), (float) sigmoid(-1.7)},
                r.visibleProbs(h).toFloatArray(), 1e-6f);
        // F(v) = -log Σ_h e^{-E(v,h)} over the four hidden states.
        double z = 0;
        for (int h1 = 0; h1 < 2; h1++) {
            for (int h2 = 0; h2 < 2; h2++) z += Math.exp(0.4 + -0.5 * h1 + 0.25 * h2 + (1 - 2) * h1 + (-1) * h2);
        }
        assertEquals(-Math.log(z), r.freeEnergy(v).item(), 1e-6);
    }

    @Test
    void gaussianVisibleUnitsHaveTheQuadraticFreeEnergyAndALinearMean() {
        Rbm r = new Rbm(2, 1, Rbm.Visible.GAUSSIAN, CPU, new Generator(0));
        Tensor.of(CPU, new float[] {0.5f, -1}, 2, 1).copyTo(r.weight().storage());
        Tensor.of(CPU, new float[] {1, 2}, 2).copyTo(r.visibleBias().storage());
        Tensor v = Tensor.of(CPU, new float[] {0.5f, 1}, 1, 2);
        double f = 0.5 * (0.25 + 1) - Math.log1p(Math.exp(0.25 - 1));
        assertEquals(f, r.freeEnergy(v).item(), 1e-6);
        assertArrayEquals(new float[] {1.5f, 1}, r.visibleProbs(Tensor.of(CPU, new float[] {1}, 1, 1)).toFloatArray(), 1e-6f);
    }

    /** The exact gradient of the mean negative log-likelihood of {@code data} for W, by enumerating all 2^V states. */
    static double[] exactWeightGradient(float[] w, float[] b, float[] c, int nv, int nh, float[][] data) {
        double[] grad = new double[nv * nh];
        for (float[] v : data) {
            for (int i = 0; i < nv; i++) {
                for (int j = 0; j < nh; j++) grad[i * nh + j] -= v[i] * pH(w, c, v, j, nv, nh) / data.length;
            }
        }
        double z = 0;
        double[] model = new double[nv * nh];
        for (int s = 0; s < 1 << nv; s++) {
            float[] v = new float[nv];
            for (int i = 0; i < nv; i++) v[i] = (s >> i) & 1;
            double logp = 0;
            for (int i = 0; i < nv; i++) logp += b[i] * v[i];
            for (int j = 0; j < nh; j++) {
                double a = c[j];
                for (int i = 0; i < nv; i++) a += v[i] * w[i * nh + j];
                logp += Math.log1p(Math.exp(a));
            }
            double p = Math.exp(logp);
            z += p;
            for (int i = 0; i < nv; i++) {
                for (int j = 0; j < nh; j++) model[i * nh + j] += p * v[i] * pH(w, c, v, j, nv, nh);
            }
        }
        for (int k = 0; k < grad.length; k++) grad[k] += model[k] / z;
        return grad;
    }

    static double pH(float[] w, float[] c, float[] v, int j, int nv, int nh) {
        double a = c[j];
        for (int i = 0; i < nv; i++) a += v[i] * w[i * nh + j];
        return sigmoid(a);
    }

    @Test
    void contrastiveDivergenceEstimatesTheExactLogLikelihoodGradient() {
        int nv = 4;
        int nh = 3;
        float[] w = {0.8f, -0.5f, 0.3f, -0.4f, 0.6f, 0.2f, 0.1f, -0.7f, 0.5f, 0.9f, 0.2f, -0.3f};
        float[] b = {0.2f, -0.1f, 0.3f, -0.2f};
        float[] c = {-0.1f, 0.2f, 0.05f};
        float[][] patterns = {{1, 0, 1, 0}, {1, 1, 0, 0}, {0, 0, 1, 1}, {1, 1, 1, 0}};
        double[] exact = exactWeightGradient(w, b, c, nv, nh, patterns);
        int copies = 4000;
        float[] data = new float[patterns.length * copies * nv];
        for (int r = 0; r < patterns.length * copies; r++) System.arraycopy(patterns[r % patterns.length], 0, data, r * nv, nv);
        Tensor v = Tensor.of(CPU, data, patterns.length * copies, nv);
        // 16 000 chains: each term of the estimate lies in [-1, 1], so its standard error is below 0.008; 0.03 is ~4σ.
        for (int k : new int[] {25, 1}) {
            Rbm r = rbm(nv, nh, w, b, c);
            Tensor negative = r.gibbs(v, k, new Generator(5));
            r.contrastiveDivergence(v, negative).backward();
            float[] cd = r.weight().grad().toFloatArray();
            double worst = 0;
            for (int i = 0; i < cd.length; i++) worst = Math.max(worst, Math.abs(cd[i] - exact[i]));
            // CD-25 has mixed on this small machine; CD-1 carries its known bias, which stays under 0.1 here.
            assertTrue(worst < (k == 25 ? 0.03 : 0.1), "CD-" + k + " differs from the exact gradient by " + worst);
            if (k == 25) assertTrue(worst > 1e-4, "an estimate that equals the exact gradient means the test sampled nothing");
        }
    }

    @Test
    void samplingIsIdenticalForTheSameSeedAndPcdChainsPersist() {
        Rbm r = new Rbm(6, 4, Rbm.Visible.BERNOULLI, CPU, new Generator(1));
        Tensor v = Rbm.bernoulli(Tensor.full(CPU, 0.5f, 8, 6), new Generator(2));
        assertArrayEquals(r.gibbs(v, 3, new Generator(9)).toFloatArray(), r.gibbs(v, 3, new Generator(9)).toFloatArray());
        assertFalse(java.util.Arrays.equals(r.gibbs(v, 3, new Generator(9)).toFloatArray(), r.gibbs(v, 3, new Generator(10)).toFloatArray()));

        Generator pg = new Generator(3);
        RbmTraining pcd = new RbmTraining(r, new Sgd(r.parameters(), 0.1f), 1, true, pg);
        Tensor negative1 = pcd.step(v);
        Tensor chains = pcd.chains();
        assertArrayEquals(negative1.toFloatArray(), chains.toFloatArray(), "the chains hold the last negative samples");
        // The next step continues these chains, not the data: one Gibbs step from them, drawn from the same stream.
        Generator same = new Generator(3);
        same.setOffset(pg.offset());
        float[] expected = r.gibbs(Tensor.of(CPU, chains.toFloatArray(), 8, 6), 1, same).toFloatArray();
        float[] fromData = r.gibbs(v, 1, new Generator(3)).toFloatArray();
        Tensor negative2 = pcd.step(v);
        assertTrue(chains == pcd.chains(), "the same chains carry over to the next batch");
        assertArrayEquals(expected, negative2.toFloatArray());
        assertArrayEquals(expected, chains.toFloatArray());
        assertFalse(java.util.Arrays.equals(fromData, expected), "chains and data give different negatives here");
    }

    @Test
    void aDeepBeliefNetUnrollsIntoTheSigmoidNetworkItsRbmsDefine() {
        var gen = new Generator(4);
        var rbms = dev.stride.train.DeepBeliefNet.stack(new int[] {6, 4, 3}, CPU, gen);
        var net = dev.stride.train.DeepBeliefNet.network(new int[] {6, 4, 3}, 2, CPU, gen);
        dev.stride.train.DeepBeliefNet.unrollInto(rbms, net);
        Tensor x = Tensor.rand(CPU, gen, 0, 1, 5, 6);
        // The first hidden layer of the net is p(h|v) of the first RBM, the second p(h|h1) of the second.
        var hidden = new dev.stride.nn.Sequential();
        int i = 0;
        for (var m : net.children().values()) {
            if (i++ < 5) hidden.add(m);
        }
        assertArrayEquals(rbms.get(1).hiddenProbs(rbms.get(0).hiddenProbs(x)).toFloatArray(), hidden.forward(x).toFloatArray(), 1e-6f);
        var wrong = dev.stride.train.DeepBeliefNet.network(new int[] {6, 5, 3}, 2, CPU, gen);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> dev.stride.train.DeepBeliefNet.unrollInto(rbms, wrong));
        assertEquals("DBN: layer 0 is 6->5 but its RBM is 6->4", e.getMessage());
    }

    @Test
    void anRbmSavesAndLoadsWithSafetensors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Rbm r = new Rbm(5, 3, Rbm.Visible.GAUSSIAN, CPU, new Generator(6));
        Tensor.rand(CPU, new Generator(7), -1, 1, 5).copyTo(r.visibleBias().storage());
        java.nio.file.Path file = dir.resolve("rbm.safetensors");
        dev.stride.io.SafeTensors.save(file, r.stateDict(), java.util.Map.of());
        Rbm back = new Rbm(5, 3, Rbm.Visible.GAUSSIAN, CPU, new Generator(8));
        back.loadStateDict(dev.stride.io.SafeTensors.load(file, CPU).tensors());
        Tensor v = Tensor.rand(CPU, new Generator(9), -2, 2, 4, 5);
        assertArrayEquals(r.freeEnergy(v).toFloatArray(), back.freeEnergy(v).toFloatArray());
        assertEquals(java.util.Set.of("weight", "visible_bias", "hidden_bias"), back.stateDict().keySet());
    }
}

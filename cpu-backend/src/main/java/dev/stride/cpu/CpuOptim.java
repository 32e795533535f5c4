package dev.stride.cpu;

import dev.stride.backend.AdamStep;
import dev.stride.backend.SgdStep;
import dev.stride.backend.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * Fused optimizer steps: the whole parameter list is cut into chunks of at most {@link #CHUNK} elements and
 * the chunks run in parallel, so small and large parameters share the cores in one pass over memory.
 */
final class CpuOptim {
    static final int CHUNK = 1 << 15;

    private CpuOptim() {}

    private record Chunk(int tensor, int start, int end) {}

    private static List<Chunk> chunks(List<Storage> params) {
        List<Chunk> out = new ArrayList<>();
        for (int t = 0; t < params.size(); t++) {
            int n = (int) params.get(t).numel();
            for (int s = 0; s < n; s += CHUNK) out.add(new Chunk(t, s, Math.min(n, s + CHUNK)));
        }
        return out;
    }

    private static float[] f(Storage s) {
        return ((CpuStorage) s).f;
    }

    static void adam(List<Storage> params, List<Storage> grads, List<Storage> ms, List<Storage> vs, AdamStep h) {
        List<Chunk> chunks = chunks(params);
        float lr = h.lr();
        float b1 = h.beta1();
        float b2 = h.beta2();
        float eps = h.eps();
        float wd = h.weightDecay();
        float decay = h.decoupled() ? 1 - lr * wd : 1f;
        float coupled = h.decoupled() ? 0f : wd;
        float stepSize = (float) (lr / h.biasCorrection1());
        float invSqrtBc2 = (float) (1 / Math.sqrt(h.biasCorrection2()));
        Parallel.forRange(chunks.size(), 1, (s, e) -> {
            for (int ci = (int) s; ci < e; ci++) {
                Chunk c = chunks.get(ci);
                float[] p = f(params.get(c.tensor));
                float[] g = f(grads.get(c.tensor));
                float[] m = f(ms.get(c.tensor));
                float[] v = f(vs.get(c.tensor));
                for (int i = c.start; i < c.end; i++) {
                    float pi = p[i] * decay;
                    float gi = g[i] + coupled * pi;
                    float mi = b1 * m[i] + (1 - b1) * gi;
                    float vi = b2 * v[i] + (1 - b2) * gi * gi;
                    m[i] = mi;
                    v[i] = vi;
                    p[i] = pi - stepSize * (mi / ((float) Math.sqrt(vi) * invSqrtBc2 + eps));
                }
            }
        });
    }

    static void sgd(List<Storage> params, List<Storage> grads, List<Storage> momentum, SgdStep h) {
        List<Chunk> chunks = chunks(params);
        float lr = h.lr();
        float mu = h.momentum();
        float damp = 1 - h.dampening();
        float wd = h.weightDecay();
        Parallel.forRange(chunks.size(), 1, (s, e) -> {
            for (int ci = (int) s; ci < e; ci++) {
                Chunk c = chunks.get(ci);
                float[] p = f(params.get(c.tensor));
                float[] g = f(grads.get(c.tensor));
                if (mu == 0) {
                    for (int i = c.start; i < c.end; i++) p[i] -= lr * (g[i] + wd * p[i]);
                    continue;
                }
                float[] buf = f(momentum.get(c.tensor));
                for (int i = c.start; i < c.end; i++) {
                    float gi = g[i] + wd * p[i];
                    float b = h.firstStep() ? gi : mu * buf[i] + damp * gi;
                    buf[i] = b;
                    p[i] -= lr * (h.nesterov() ? gi + mu * b : b);
                }
            }
        });
    }
}

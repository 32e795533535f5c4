package dev.stride.cpu;

import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import java.util.List;

/**
 * Fused optimizer steps, the loop twins of {@link Update#reference}. Every parameter but the small ones is cut into
 * the same {@link #PIECES} pieces and region chunk c updates piece c of each, so a thread updates the same rows of a
 * weight every step: the rows whose gradient its own GEMM share computed (VectorGemm splits a weight gradient by
 * rows, and the forward product splits the weight's rows too), which stay in its core's cache (see {@link Parallel}).
 */
final class CpuOptim {
    /** Pieces per parameter: as many as {@link Parallel#forRange} makes chunks, so chunk c is piece c. */
    static final int PIECES = 4 * Parallel.THREADS;
    /**
     * A parameter with fewer than this many elements a piece is updated whole, in one piece. C2 unrolls a loop, and so
     * vectorizes it, by the trip count it profiled: with the biases cut into pieces of 1–32 elements, an MLP's Adam step
     * took 207–213 µs in four JVMs of five (the loop left scalar) against 87–91 in every one with them whole.
     */
    static final int MIN_PIECE = 4096;

    private CpuOptim() {}

    @FunctionalInterface
    private interface Kernel {
        void run(float[] p, float[] g, float[][] s, int start, int end);
    }

    static void step(Update rule, List<Storage> params, List<Storage> grads, List<Storage[]> state) {
        Kernel k = kernel(rule);
        int count = params.size();
        float[][] p = new float[count][];
        float[][] g = new float[count][];
        float[][][] s = new float[count][][];
        for (int t = 0; t < count; t++) {
            p[t] = f(params.get(t));
            g[t] = f(grads.get(t));
            s[t] = new float[state.get(t).length][];
            for (int j = 0; j < s[t].length; j++) s[t][j] = f(state.get(t)[j]);
        }
        Parallel.forRange(PIECES, 1, (a, b) -> {
            for (int piece = (int) a; piece < b; piece++) {
                for (int t = 0; t < count; t++) {
                    int start = pieceStart(p[t].length, t, piece);
                    int end = pieceStart(p[t].length, t, piece + 1);
                    if (start < end) k.run(p[t], g[t], s[t], start, end);
                }
            }
        });
    }

    /**
     * Where piece {@code piece} of parameter number {@code index}, of {@code length} elements, starts; it ends where
     * the next starts. A small parameter is one piece, number {@code index % PIECES}, so that many of them still
     * share the threads.
     */
    static int pieceStart(int length, int index, int piece) {
        if (length < MIN_PIECE * PIECES) return piece <= index % PIECES ? 0 : length;
        return (int) ((long) length * piece / PIECES);
    }

    private static float[] f(Storage s) {
        return ((CpuStorage) s).f();
    }

    private static Kernel kernel(Update rule) {
        if (rule instanceof Update.Sgd u) return sgd(u);
        if (rule instanceof Update.Adagrad u) return adagrad(u);
        if (rule instanceof Update.RmsProp u) return rmsProp(u);
        if (rule instanceof Update.Adam u) return adam(u);
        if (rule instanceof Update.Adamax u) return adamax(u);
        if (rule instanceof Update.Nadam u) return nadam(u);
        if (rule instanceof Update.Adadelta u) return adadelta(u);
        if (rule instanceof Update.RAdam u) return radam(u);
        throw new IllegalArgumentException("cpu: no fused kernel for " + rule);
    }

    private static Kernel sgd(Update.Sgd u) {
        float lr = u.lr();
        float mu = u.momentum();
        float damp = 1 - u.dampening();
        float wd = u.weightDecay();
        boolean first = u.firstStep();
        boolean nesterov = u.nesterov();
        return (p, g, s, a, b) -> {
            if (mu == 0) {
                for (int i = a; i < b; i++) p[i] = p[i] - (g[i] + p[i] * wd) * lr;
                return;
            }
            float[] buf = s[0];
            for (int i = a; i < b; i++) {
                float d = g[i] + p[i] * wd;
                float m = first ? d : buf[i] * mu + d * damp;
                buf[i] = m;
                p[i] = p[i] - (nesterov ? d + m * mu : m) * lr;
            }
        };
    }

    private static Kernel adagrad(Update.Adagrad u) {
        float clr = u.clr();
        float eps = u.eps();
        float wd = u.weightDecay();
        return (p, g, s, a, b) -> {
            float[] sum = s[0];
            for (int i = a; i < b; i++) {
                float d = g[i] + p[i] * wd;
                float acc = sum[i] + d * d;
                sum[i] = acc;
                p[i] = p[i] - d / ((float) Math.sqrt(acc) + eps) * clr;
            }
        };
    }

    private static Kernel rmsProp(Update.RmsProp u) {
        float lr = u.lr();
        float alpha = u.alpha();
        float eps = u.eps();
        float wd = u.weightDecay();
        float mu = u.momentum();
        boolean centered = u.centered();
        return (p, g, s, a, b) -> {
            for (int i = a; i < b; i++) {
                float d = g[i] + p[i] * wd;
                float sq = s[0][i] * alpha + d * d * (1 - alpha);
                s[0][i] = sq;
                float avg;
                if (centered) {
                    float ga = s[2][i] * alpha + d * (1 - alpha);
                    s[2][i] = ga;
                    avg = (float) Math.sqrt(sq - ga * ga) + eps;
                } else {
                    avg = (float) Math.sqrt(sq) + eps;
                }
                if (mu > 0) {
                    float buf = s[1][i] * mu + d / avg;
                    s[1][i] = buf;
                    p[i] = p[i] - buf * lr;
                } else {
                    p[i] = p[i] - d / avg * lr;
                }
            }
        };
    }

    private static Kernel adam(Update.Adam u) {
        float lr = u.lr();
        float b1 = u.beta1();
        float b2 = u.beta2();
        float eps = u.eps();
        float decay = u.decoupled() ? 1 - lr * u.weightDecay() : 1f;
        float wd = u.decoupled() ? 0f : u.weightDecay();
        float sqrtBc2 = (float) Math.sqrt(u.bc2());
        float stepSize = (float) (lr / u.bc1());
        boolean ams = u.amsgrad();
        return (p, g, s, a, b) -> {
            float[] m = s[0];
            float[] v = s[1];
            for (int i = a; i < b; i++) {
                float q = p[i] * decay;
                float d = g[i] + q * wd;
                float mi = m[i] * b1 + d * (1 - b1);
                float vi = v[i] * b2 + d * d * (1 - b2);
                m[i] = mi;
                v[i] = vi;
                if (ams) {
                    vi = Math.max(s[2][i], vi);
                    s[2][i] = vi;
                }
                p[i] = q - mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps) * stepSize;
            }
        };
    }

    private static Kernel adamax(Update.Adamax u) {
        float b1 = u.beta1();
        float b2 = u.beta2();
        float eps = u.eps();
        float wd = u.weightDecay();
        float clr = (float) (u.lr() / u.bc1());
        return (p, g, s, a, b) -> {
            for (int i = a; i < b; i++) {
                float d = g[i] + p[i] * wd;
                float m = s[0][i] * b1 + d * (1 - b1);
                float inf = Math.max(s[1][i] * b2, Math.abs(d) + eps);
                s[0][i] = m;
                s[1][i] = inf;
                p[i] = p[i] - m / inf * clr;
            }
        };
    }

    private static Kernel nadam(Update.Nadam u) {
        float b1 = u.beta1();
        float b2 = u.beta2();
        float eps = u.eps();
        float wd = u.weightDecay();
        float bc2 = (float) u.bc2();
        float gc = (float) u.gradCoef();
        float mc = (float) u.momCoef();
        return (p, g, s, a, b) -> {
            for (int i = a; i < b; i++) {
                float d = g[i] + p[i] * wd;
                float m = s[0][i] * b1 + d * (1 - b1);
                float v = s[1][i] * b2 + d * d * (1 - b2);
                s[0][i] = m;
                s[1][i] = v;
                float denom = (float) Math.sqrt(v / bc2) + eps;
                p[i] = p[i] - d / denom * gc - m / denom * mc;
            }
        };
    }

    private static Kernel adadelta(Update.Adadelta u) {
        float lr = u.lr();
        float rho = u.rho();
        float eps = u.eps();
        float wd = u.weightDecay();
        return (p, g, s, a, b) -> {
            for (int i = a; i < b; i++) {
                float d = g[i] + p[i] * wd;
                float sq = s[0][i] * rho + d * d * (1 - rho);
                float delta = (float) Math.sqrt(s[1][i] + eps) / (float) Math.sqrt(sq + eps) * d;
                s[0][i] = sq;
                s[1][i] = s[1][i] * rho + delta * delta * (1 - rho);
                p[i] = p[i] - delta * lr;
            }
        };
    }

    private static Kernel radam(Update.RAdam u) {
        float lr = u.lr();
        float b1 = u.beta1();
        float b2 = u.beta2();
        float eps = u.eps();
        float decay = u.decoupled() ? 1 - lr * u.weightDecay() : 1f;
        float wd = u.decoupled() ? 0f : u.weightDecay();
        float bc1 = (float) u.bc1();
        float sqrtBc2 = (float) Math.sqrt(u.bc2());
        boolean rectified = !Double.isNaN(u.rect());
        float scale = (float) (lr * u.rect());
        return (p, g, s, a, b) -> {
            for (int i = a; i < b; i++) {
                float q = p[i] * decay;
                float d = g[i] + q * wd;
                float m = s[0][i] * b1 + d * (1 - b1);
                float v = s[1][i] * b2 + d * d * (1 - b2);
                s[0][i] = m;
                s[1][i] = v;
                float mHat = m / bc1;
                p[i] = rectified ? q - mHat * (1 / ((float) Math.sqrt(v) + eps) * sqrtBc2) * scale : q - mHat * lr;
            }
        };
    }
}

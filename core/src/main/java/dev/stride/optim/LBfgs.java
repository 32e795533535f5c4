package dev.stride.optim;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Update;
import dev.stride.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code torch.optim.LBFGS} for full-batch problems: limited-memory BFGS with an optional strong-Wolfe line
 * search (cubic interpolation, c1 = 1e-4, c2 = 0.9). Defaults as PyTorch's: lr 1, 20 iterations per
 * {@link #step(Supplier)}, at most 25 evaluations (maxIter·5/4), history 100, gradient tolerance 1e-7, change
 * tolerance 1e-9, no line search. The parameters are gathered into one vector and the two-loop recursion runs in
 * double on the host: its cost is O(n·history) against one closure call per evaluation.
 */
public final class LBfgs extends Optimizer {
    private final List<Tensor> params;
    private final double lr;
    private final int maxIter;
    private final int maxEval;
    private final double tolGrad;
    private final double tolChange;
    private final int history;
    private final boolean strongWolfe;
    private final ArrayDeque<double[][]> pairs = new ArrayDeque<>();
    private double[] pendingStep;
    private double[] pendingGrad;
    private int evaluations;
    private long totalEvaluations;
    private long iterations;

    public LBfgs(List<Tensor> params) {
        this(params, 1, 20, 1e-7, 1e-9, 100, false);
    }

    public LBfgs(List<Tensor> params, double lr, int maxIter, double tolGrad, double tolChange, int history, boolean strongWolfe) {
        this(params, lr, maxIter, maxIter * 5 / 4, tolGrad, tolChange, history, strongWolfe);
    }

    public LBfgs(List<Tensor> params, double lr, int maxIter, int maxEval, double tolGrad, double tolChange, int history,
                 boolean strongWolfe) {
        super("LBFGS", single(params), (float) lr, 0);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("LBFGS: learning rate must be finite and > 0, got " + lr);
        if (maxIter <= 0 || maxEval <= 0 || history <= 0) {
            throw new IllegalArgumentException("LBFGS: max iterations, max evaluations and history must be positive, got "
                    + maxIter + ", " + maxEval + ", " + history);
        }
        this.params = List.copyOf(params);
        this.lr = lr;
        this.maxIter = maxIter;
        this.maxEval = maxEval;
        this.tolGrad = tolGrad;
        this.tolChange = tolChange;
        this.history = history;
        this.strongWolfe = strongWolfe;
    }

    /** Hyper-parameters by name, with PyTorch's defaults: {@code LBfgs.options().lineSearch(true).build(params)}. */
    public static Options options() {
        return new Options();
    }

    /** L-BFGS's settings as PyTorch names them; {@code maxEval} defaults to {@code maxIter·5/4}. */
    public static final class Options {
        private double lr = 1;
        private int maxIter = 20;
        private Integer maxEval;
        private double toleranceGrad = 1e-7;
        private double toleranceChange = 1e-9;
        private int historySize = 100;
        private boolean strongWolfe;

        public Options lr(double value) {
            lr = value;
            return this;
        }

        public Options maxIter(int value) {
            maxIter = value;
            return this;
        }

        public Options maxEval(int value) {
            maxEval = value;
            return this;
        }

        public Options toleranceGrad(double value) {
            toleranceGrad = value;
            return this;
        }

        public Options toleranceChange(double value) {
            toleranceChange = value;
            return this;
        }

        public Options historySize(int value) {
            historySize = value;
            return this;
        }

        /** PyTorch's {@code line_search_fn="strong_wolfe"}. */
        public Options lineSearch(boolean strongWolfe) {
            this.strongWolfe = strongWolfe;
            return this;
        }

        public LBfgs build(List<Tensor> params) {
            return new LBfgs(params, lr, maxIter, maxEval == null ? maxIter * 5 / 4 : maxEval, toleranceGrad,
                    toleranceChange, historySize, strongWolfe);
        }
    }

    /** Total iterations over all steps (PyTorch's {@code n_iter}). */
    public long iterations() {
        return iterations;
    }

    /** Total closure evaluations over all steps (PyTorch's {@code func_evals}). */
    public long functionEvaluations() {
        return totalEvaluations;
    }

    @Override
    protected Update rule(Group group, long step) {
        throw new UnsupportedOperationException("LBFGS has no per-parameter update rule");
    }

    /** L-BFGS evaluates the loss many times per step, so it needs the closure form. */
    @Override
    public void step() {
        throw new IllegalStateException("LBFGS: step() needs a closure that recomputes the loss: use step(closure)");
    }

    /** A loss and its gradient at one point. */
    private record Eval(double f, double[] g) {}

    /**
     * Runs up to {@code maxIter} iterations and {@code maxEval} evaluations. {@code closure} must clear the
     * gradients, compute the loss, call {@code backward()} and return the loss. Returns the loss before the first
     * iteration, as PyTorch does.
     */
    @Override
    public Tensor step(Supplier<Tensor> closure) {
        evaluations = 0;
        double[] x = gather();
        Eval e = evaluate(closure, x);
        Tensor first = Tensor.scalar(params.get(0).backend(), (float) e.f);
        if (pendingStep != null) {
            remember(pendingStep, sub(e.g, pendingGrad));
            pendingStep = null;
            pendingGrad = null;
        }
        if (maxAbs(e.g) <= tolGrad) return first;
        for (int it = 0; it < maxIter; it++) {
            iterations++;
            double[] d = direction(e.g);
            double gtd = dot(e.g, d);
            if (gtd > -tolChange) break;
            double t = iterations == 1 ? Math.min(1, 1 / sumAbs(e.g)) * lr : lr;
            Eval next;
            if (strongWolfe) {
                double[] tOut = {t};
                next = lineSearch(closure, x, d, e, gtd, tOut);
                t = tOut[0];
                axpy(x, t, d);
                scatter(x);
            } else {
                axpy(x, t, d);
                if (it == maxIter - 1) {
                    // As PyTorch: no evaluation after a fixed-step step's last move; the next step's first
                    // evaluation completes the curvature pair.
                    scatter(x);
                    pendingStep = scale(d, t);
                    pendingGrad = e.g;
                    break;
                }
                next = evaluate(closure, x);
            }
            double[] s = scale(d, t);
            remember(s, sub(next.g, e.g));
            double change = Math.abs(next.f - e.f);
            e = next;
            if (maxAbs(e.g) <= tolGrad || maxAbs(s) <= tolChange || change < tolChange || evaluations >= maxEval) break;
        }
        return first;
    }

    /** Keeps the curvature pair (s, y) when it is positive enough to keep H positive definite. */
    private void remember(double[] s, double[] y) {
        double ys = dot(y, s);
        if (ys > 1e-10) {
            if (pairs.size() == history) pairs.removeFirst();
            pairs.addLast(new double[][] {s, y, {1 / ys}});
        }
    }

    /** {@code -H·g} by the two-loop recursion, with the initial scaling {@code y·s / y·y} of the newest pair. */
    private double[] direction(double[] g) {
        double[] q = scale(g, -1);
        if (pairs.isEmpty()) return q;
        double[] alpha = new double[pairs.size()];
        int i = pairs.size();
        for (Iterator<double[][]> it = pairs.descendingIterator(); it.hasNext(); ) {
            double[][] p = it.next();
            alpha[--i] = p[2][0] * dot(p[0], q);
            axpy(q, -alpha[i], p[1]);
        }
        double[][] last = pairs.peekLast();
        double gamma = 1 / (last[2][0] * dot(last[1], last[1]));
        for (int k = 0; k < q.length; k++) q[k] *= gamma;
        i = 0;
        for (double[][] p : pairs) {
            double beta = p[2][0] * dot(p[1], q);
            axpy(q, alpha[i++] - beta, p[0]);
        }
        return q;
    }

    private Eval lineSearch(Supplier<Tensor> closure, double[] x, double[] d, Eval e, double gtd, double[] tOut) {
        final double c1 = 1e-4;
        final double c2 = 0.9;
        final int maxLs = 25;
        double t = tOut[0];
        double dNorm = maxAbs(d);
        Eval cur = evaluate(closure, moved(x, t, d));
        double gtdNew = dot(cur.g, d);
        double tPrev = 0;
        Eval prev = e;
        double gtdPrev = gtd;
        int ls = 0;
        double[] bt;
        Eval[] be;
        double[] bgtd;
        boolean done = false;
        while (true) {
            if (cur.f > e.f + c1 * t * gtd || (ls > 1 && cur.f >= prev.f)) {
                bt = new double[] {tPrev, t};
                be = new Eval[] {prev, cur};
                bgtd = new double[] {gtdPrev, gtdNew};
                break;
            }
            if (Math.abs(gtdNew) <= -c2 * gtd) {
                tOut[0] = t;
                return cur;
            }
            if (gtdNew >= 0) {
                bt = new double[] {tPrev, t};
                be = new Eval[] {prev, cur};
                bgtd = new double[] {gtdPrev, gtdNew};
                break;
            }
            if (ls >= maxLs) {
                bt = new double[] {0, t};
                be = new Eval[] {e, cur};
                bgtd = new double[] {gtd, gtdNew};
                break;
            }
            double next = cubic(tPrev, prev.f, gtdPrev, t, cur.f, gtdNew, t + 0.01 * (t - tPrev), t * 10);
            tPrev = t;
            prev = cur;
            gtdPrev = gtdNew;
            t = next;
            cur = evaluate(closure, moved(x, t, d));
            gtdNew = dot(cur.g, d);
            ls++;
        }
        boolean insufficient = false;
        int low = be[0].f <= be[1].f ? 0 : 1;
        while (!done && ls < maxLs) {
            int high = 1 - low;
            if (Math.abs(bt[1] - bt[0]) * dNorm < tolChange) break;
            t = cubic(bt[0], be[0].f, bgtd[0], bt[1], be[1].f, bgtd[1], Math.min(bt[0], bt[1]), Math.max(bt[0], bt[1]));
            double hi = Math.max(bt[0], bt[1]);
            double lo = Math.min(bt[0], bt[1]);
            double eps = 0.1 * (hi - lo);
            if (Math.min(hi - t, t - lo) < eps) {
                if (insufficient || t >= hi || t <= lo) {
                    t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
                    insufficient = false;
                } else {
                    insufficient = true;
                }
            } else {
                insufficient = false;
            }
            cur = evaluate(closure, moved(x, t, d));
            gtdNew = dot(cur.g, d);
            ls++;
            if (cur.f > e.f + c1 * t * gtd || cur.f >= be[low].f) {
                bt[high] = t;
                be[high] = cur;
                bgtd[high] = gtdNew;
                low = be[0].f <= be[1].f ? 0 : 1;
            } else {
                if (Math.abs(gtdNew) <= -c2 * gtd) {
                    done = true;
                } else if (gtdNew * (bt[high] - bt[low]) >= 0) {
                    bt[high] = bt[low];
                    be[high] = be[low];
                    bgtd[high] = bgtd[low];
                }
                bt[low] = t;
                be[low] = cur;
                bgtd[low] = gtdNew;
            }
        }
        tOut[0] = bt[low];
        return be[low];
    }

    /** Minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to [lo, hi]. */
    private static double cubic(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi) {
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2sq = d1 * d1 - g1 * g2;
        if (d2sq < 0 || !Double.isFinite(d2sq)) return (lo + hi) / 2;
        double d2 = Math.sqrt(d2sq);
        double m = x1 <= x2
                ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
        if (!Double.isFinite(m)) return (lo + hi) / 2;
        return Math.min(Math.max(m, lo), hi);
    }

    private Eval evaluate(Supplier<Tensor> closure, double[] x) {
        scatter(x);
        evaluations++;
        totalEvaluations++;
        double f = closure.get().item();
        double[] g = new double[x.length];
        int o = 0;
        for (Tensor p : params) {
            int n = (int) p.numel();
            if (p.grad() != null) {
                float[] v = p.grad().toFloatArray();
                for (int i = 0; i < n; i++) g[o + i] = v[i];
            }
            o += n;
        }
        return new Eval(f, g);
    }

    private double[] gather() {
        int total = 0;
        for (Tensor p : params) total += (int) p.numel();
        double[] x = new double[total];
        int o = 0;
        for (Tensor p : params) {
            float[] v = p.toFloatArray();
            for (float f : v) x[o++] = f;
        }
        return x;
    }

    private void scatter(double[] x) {
        int o = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor p : params) {
                float[] v = new float[(int) p.numel()];
                for (int i = 0; i < v.length; i++) v[i] = (float) x[o + i];
                o += v.length;
                Tensor.of(p.backend(), v, p.shape()).copyTo(p.storage());
            }
        }
    }

    private static double[] moved(double[] x, double t, double[] d) {
        double[] y = x.clone();
        axpy(y, t, d);
        return y;
    }

    private static void axpy(double[] y, double a, double[] x) {
        for (int i = 0; i < y.length; i++) y[i] += a * x[i];
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] scale(double[] a, double c) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] * c;
        return out;
    }

    private static double[] sub(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] - b[i];
        return out;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static double sumAbs(double[] a) {
        double s = 0;
        for (double v : a) s += Math.abs(v);
        return s;
    }
}

package dev.stride.optim.schedule;

import dev.stride.optim.Optimizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ReduceLROnPlateau}: after more than {@code patience} checks without improvement of the metric by more
 * than {@code threshold} (relative or absolute), multiplies every group's rate by {@code factor}, not below
 * {@code minLr} (one for all groups or one per group), then waits {@code cooldown} checks; a reduction smaller than
 * {@code eps} is skipped. Defaults as PyTorch's: min mode, factor 0.1, patience 10, threshold 1e-4 relative,
 * cooldown 0, min rate 0, eps 1e-8.
 */
public final class ReduceOnPlateau {
    public enum Mode { MIN, MAX }

    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final boolean relative;
    private final int cooldown;
    private final double[] minLrs;
    private final double eps;
    private double best;
    private int badChecks;
    private int cooldownLeft;

    public ReduceOnPlateau(Mode mode, double factor, int patience, double threshold, boolean relative, int cooldown, double minLr) {
        this(mode, factor, patience, threshold, relative, cooldown, new double[] {minLr}, 1e-8);
    }

    /** Every option of PyTorch's: {@code minLrs} holds one rate for all groups or one per group. */
    public ReduceOnPlateau(Mode mode, double factor, int patience, double threshold, boolean relative, int cooldown,
                           double[] minLrs, double eps) {
        if (minLrs == null || minLrs.length == 0) throw new IllegalArgumentException("reduce-on-plateau: no minimum rate");
        for (double m : minLrs) {
            if (!(m >= 0)) throw new IllegalArgumentException("reduce-on-plateau: minimum rates must be >= 0, got " + java.util.Arrays.toString(minLrs));
        }
        if (!(threshold >= 0) || !(eps >= 0)) throw new IllegalArgumentException("reduce-on-plateau: threshold and eps must be >= 0");
        if (!(factor > 0 && factor < 1)) throw new IllegalArgumentException("reduce-on-plateau: factor must be in (0, 1), got " + factor);
        if (patience < 0 || cooldown < 0) throw new IllegalArgumentException("reduce-on-plateau: patience and cooldown must be >= 0");
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.relative = relative;
        this.cooldown = cooldown;
        this.minLrs = minLrs.clone();
        this.eps = eps;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    public static ReduceOnPlateau defaults() {
        return new ReduceOnPlateau(Mode.MIN, 0.1, 10, 1e-4, true, 0, 0);
    }

    private boolean better(double a) {
        if (mode == Mode.MIN) return relative ? a < best * (1 - threshold) : a < best - threshold;
        return relative ? a > best * (1 + threshold) : a > best + threshold;
    }

    /** Feeds one metric value; returns whether the rates were reduced. */
    public boolean step(double metric, Optimizer optimizer) {
        if (better(metric)) {
            best = metric;
            badChecks = 0;
        } else {
            badChecks++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            badChecks = 0;
        }
        if (badChecks <= patience) return false;
        int groups = optimizer.groups().size();
        if (minLrs.length != 1 && minLrs.length != groups) {
            throw new IllegalArgumentException("reduce-on-plateau: " + minLrs.length + " minimum rates for " + groups + " parameter groups");
        }
        boolean reduced = false;
        for (int i = 0; i < groups; i++) {
            double old = optimizer.groups().get(i).lr();
            double next = Math.max(old * factor, minLrs[minLrs.length == 1 ? 0 : i]);
            if (old - next > eps) {
                optimizer.setLearningRate(i, (float) next);
                reduced = true;
            }
        }
        cooldownLeft = cooldown;
        badChecks = 0;
        return reduced;
    }

    public Map<String, Double> state() {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("best", best);
        s.put("bad_checks", (double) badChecks);
        s.put("cooldown_left", (double) cooldownLeft);
        return s;
    }

    public void loadState(Map<String, Double> s) {
        best = s.getOrDefault("best", best);
        badChecks = s.getOrDefault("bad_checks", 0.0).intValue();
        cooldownLeft = s.getOrDefault("cooldown_left", 0.0).intValue();
    }
}

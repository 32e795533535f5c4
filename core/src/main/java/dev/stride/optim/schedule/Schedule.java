package dev.stride.optim.schedule;

import java.util.Arrays;

/**
 * A learning rate as a pure function of the base rate and the count {@code t} (epochs or steps, from 0), so any
 * point of a run can be recomputed on resume. Each factory states its closed form; definitions follow PyTorch's
 * {@code torch.optim.lr_scheduler} (and Keras for inverse-time and polynomial with an end rate).
 */
@FunctionalInterface
public interface Schedule {
    double lr(double base, long t);

    static Schedule constant() {
        return (base, t) -> base;
    }

    /** {@code base · gamma^floor(t / stepSize)}. */
    static Schedule step(long stepSize, double gamma) {
        positive("step", "step size", stepSize);
        return (base, t) -> base * Math.pow(gamma, Math.floorDiv(t, stepSize));
    }

    /** {@code base · gamma^(number of milestones ≤ t)}. */
    static Schedule multiStep(long[] milestones, double gamma) {
        long[] m = milestones.clone();
        Arrays.sort(m);
        return (base, t) -> {
            int passed = 0;
            for (long x : m) if (x <= t) passed++;
            return base * Math.pow(gamma, passed);
        };
    }

    /** {@code base · gamma^t}. */
    static Schedule exponential(double gamma) {
        return (base, t) -> base * Math.pow(gamma, t);
    }

    /** {@code base / (1 + rate · t / decaySteps)}. */
    static Schedule inverseTime(double rate, long decaySteps) {
        positive("inverse-time", "decay steps", decaySteps);
        return (base, t) -> base / (1 + rate * t / decaySteps);
    }

    /** {@code (base - end)(1 - min(t, total)/total)^power + end}. */
    static Schedule polynomial(long total, double power, double end) {
        positive("polynomial", "total", total);
        return (base, t) -> (base - end) * Math.pow(1 - (double) Math.min(t, total) / total, power) + end;
    }

    /** {@code min + (base - min)(1 + cos(π t / tMax)) / 2}. */
    static Schedule cosine(long tMax, double min) {
        positive("cosine", "T_max", tMax);
        return (base, t) -> min + (base - min) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
    }

    /** SGDR: cosine annealing restarted every cycle, the first {@code t0} long, each {@code tMult} times longer. */
    static CosineWarmRestarts cosineWarmRestarts(long t0, long tMult, double min) {
        return new CosineWarmRestarts(t0, tMult, min);
    }

    /** The three modes of {@code CyclicLR}. */
    enum CyclicMode { TRIANGULAR, TRIANGULAR2, EXP_RANGE }

    /**
     * {@code CyclicLR} between {@code base} and {@code max}: up for {@code up} counts, down for {@code down};
     * triangular2 halves the amplitude each cycle, exp_range scales it by {@code gamma^t}.
     */
    static Schedule cyclic(double max, long up, long down, CyclicMode mode, double gamma) {
        positive("cyclic", "step size up", up);
        positive("cyclic", "step size down", down);
        double total = up + down;
        double ratio = up / total;
        return (base, t) -> {
            double cycle = Math.floor(1 + t / total);
            double x = 1 + t / total - cycle;
            double scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
            double height = (max - base) * scale;
            return base + height * switch (mode) {
                case TRIANGULAR -> 1;
                case TRIANGULAR2 -> 1 / Math.pow(2, cycle - 1);
                case EXP_RANGE -> Math.pow(gamma, t);
            };
        };
    }

    /**
     * {@code OneCycleLR} with cosine annealing: from {@code max/div} up to {@code max} over the first
     * {@code pctStart} of {@code total} counts, then down to {@code max/(div·finalDiv)}. Ignores the base rate.
     */
    static Schedule oneCycle(double max, long total, double pctStart, double div, double finalDiv) {
        positive("one-cycle", "total", total);
        double initial = max / div;
        double last = initial / finalDiv;
        double peak = pctStart * total - 1;
        double end = total - 1;
        return (base, t) -> {
            long s = Math.min(t, total - 1);
            return s <= peak ? cosineBetween(initial, max, s / peak) : cosineBetween(max, last, (s - peak) / (end - peak));
        };
    }

    private static double cosineBetween(double from, double to, double pct) {
        return to + (from - to) / 2 * (Math.cos(Math.PI * pct) + 1);
    }

    /**
     * Linear warm-up in front of any schedule: {@code base·(f + (1-f)·t/warmup)} for {@code t < warmup}, then
     * {@code inner} from its own count 0.
     */
    static Schedule warmup(Schedule inner, long warmup, double startFactor) {
        positive("warmup", "warm-up length", warmup);
        return (base, t) -> t < warmup
                ? inner.lr(base, 0) * (startFactor + (1 - startFactor) * t / warmup)
                : inner.lr(base, t - warmup);
    }

    private static void positive(String schedule, String what, long v) {
        if (v <= 0) throw new IllegalArgumentException(schedule + ": " + what + " must be positive, got " + v);
    }
}

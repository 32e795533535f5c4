package dev.stride.optim.schedule;

import java.util.Arrays;
import java.util.List;

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
     * {@code OneCycleLR} with cosine annealing in two phases: from {@code max/div} up to {@code max} over the first
     * {@code pctStart} of {@code total} counts, then down to {@code max/(div·finalDiv)}. Ignores the base rate.
     */
    static Schedule oneCycle(double max, long total, double pctStart, double div, double finalDiv) {
        return oneCycle(max, total, pctStart, div, finalDiv, Anneal.COS, false);
    }

    /** How {@code OneCycleLR} moves between two values: PyTorch's {@code anneal_strategy}. */
    enum Anneal { COS, LINEAR }

    /**
     * {@code OneCycleLR} with every option: {@code anneal} cosine or linear, and {@code threePhase} (up over
     * {@code pctStart}, back down to {@code max/div} over the same length, then to {@code max/(div·finalDiv)}).
     */
    static Schedule oneCycle(double max, long total, double pctStart, double div, double finalDiv, Anneal anneal,
                             boolean threePhase) {
        double initial = max / div;
        return oneCyclePhases(total, pctStart, anneal, threePhase, initial, max, initial / finalDiv, "one-cycle");
    }

    /**
     * The momentum (or Adam's β1) that {@code OneCycleLR} cycles against the rate: from {@code maxMomentum} down to
     * {@code baseMomentum} while the rate rises, and back while it falls. Ignores the base value it is given.
     */
    static Schedule oneCycleMomentum(double baseMomentum, double maxMomentum, long total, double pctStart, Anneal anneal,
                                     boolean threePhase) {
        return oneCyclePhases(total, pctStart, anneal, threePhase, maxMomentum, baseMomentum, maxMomentum, "one-cycle momentum");
    }

    /** PyTorch's phase table: each phase ends at a step and anneals from one value to the next. */
    private static Schedule oneCyclePhases(long total, double pctStart, Anneal anneal, boolean threePhase, double start,
                                           double peak, double end, String name) {
        positive(name, "total", total);
        if (!(pctStart > 0 && pctStart < 1)) throw new IllegalArgumentException(name + ": pct_start must be in (0, 1), got " + pctStart);
        double up = pctStart * total - 1;
        double[] ends = threePhase ? new double[] {up, 2 * pctStart * total - 2, total - 1} : new double[] {up, total - 1};
        double[] from = threePhase ? new double[] {start, peak, start} : new double[] {start, peak};
        double[] to = threePhase ? new double[] {peak, start, end} : new double[] {peak, end};
        return (base, t) -> {
            long s = Math.min(t, total - 1);
            double phaseStart = 0;
            for (int i = 0; i < ends.length; i++) {
                if (s <= ends[i] || i == ends.length - 1) {
                    double pct = (s - phaseStart) / (ends[i] - phaseStart);
                    return anneal == Anneal.COS ? cosineBetween(from[i], to[i], pct) : (to[i] - from[i]) * pct + from[i];
                }
                phaseStart = ends[i];
            }
            throw new AssertionError();
        };
    }

    private static double cosineBetween(double from, double to, double pct) {
        return to + (from - to) / 2 * (Math.cos(Math.PI * pct) + 1);
    }

    /**
     * {@code CyclicLR}'s momentum: opposite to the rate, from {@code maxMomentum} down to {@code baseMomentum} as
     * the rate rises, scaled per cycle as the rate's amplitude is. Ignores the base value it is given.
     */
    static Schedule cyclicMomentum(double baseMomentum, double maxMomentum, long up, long down, CyclicMode mode, double gamma) {
        Schedule shape = cyclic(1, up, down, mode, gamma);
        return (base, t) -> maxMomentum - (maxMomentum - baseMomentum) * shape.lr(0, t);
    }

    /**
     * {@code LinearLR}: {@code base·(start + (end - start)·min(t, total)/total)}.
     */
    static Schedule linear(double startFactor, double endFactor, long total) {
        positive("linear", "total iterations", total);
        if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("linear: start factor must be in (0, 1] and end factor in [0, 1], got "
                    + startFactor + " and " + endFactor);
        }
        return (base, t) -> base * (startFactor + (endFactor - startFactor) * Math.min(t, total) / total);
    }

    /**
     * {@code SequentialLR}: {@code schedules[i]} from {@code milestones[i-1]} on, counting from 0 again at its
     * milestone, as PyTorch restarts each scheduler there.
     */
    static Schedule sequential(List<Schedule> schedules, long[] milestones) {
        if (schedules.size() != milestones.length + 1) {
            throw new IllegalArgumentException("sequential: " + schedules.size() + " schedules need " + (schedules.size() - 1)
                    + " milestones, got " + milestones.length);
        }
        for (int i = 1; i < milestones.length; i++) {
            if (milestones[i] <= milestones[i - 1]) throw new IllegalArgumentException("sequential: milestones must increase, got " + Arrays.toString(milestones));
        }
        List<Schedule> parts = List.copyOf(schedules);
        long[] m = milestones.clone();
        return (base, t) -> {
            int i = 0;
            while (i < m.length && t >= m[i]) i++;
            return parts.get(i).lr(base, i == 0 ? t : t - m[i - 1]);
        };
    }

    /**
     * {@code ChainedScheduler}: the factors of every schedule multiplied, {@code base·Π(s_i(base, t)/base)}. Exact
     * for the multiplicative schedules PyTorch chains (step, multi-step, exponential, linear); a schedule that sets
     * the rate outright (cosine to a minimum, one-cycle) has no factor to chain.
     */
    static Schedule chained(Schedule... schedules) {
        if (schedules.length == 0) throw new IllegalArgumentException("chained: no schedules");
        Schedule[] parts = schedules.clone();
        return (base, t) -> {
            double lr = base;
            for (Schedule s : parts) lr *= base == 0 ? 0 : s.lr(base, t) / base;
            return lr;
        };
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

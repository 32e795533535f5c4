package dev.stride.bench;

import dev.stride.optim.schedule.ReduceOnPlateau;
import dev.stride.optim.schedule.Schedule;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The learning-rate schedule flags of {@code stride train}. Lengths are in epochs; cyclic, one-cycle and
 * cosine warm restarts advance every step (their lengths are converted to steps), the others every epoch.
 */
final class ScheduleOptions {
    enum Name { constant, step, multistep, exponential, inverse_time, polynomial, cosine, cosine_restarts, cyclic,
        triangular2, exp_range, one_cycle, plateau }

    @Option(names = "--schedule", defaultValue = "constant", description = "Schedule: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Name name;

    @Option(names = "--step-size", defaultValue = "2", description = "step: epochs between decays (default ${DEFAULT-VALUE}).")
    long stepSize;

    @Option(names = "--gamma", defaultValue = "0.5", converter = Checked.Positive.class, description = "step/multistep/exponential/exp_range decay factor (default ${DEFAULT-VALUE}).")
    double gamma;

    @Option(names = "--milestones", split = ",", defaultValue = "2,4", description = "multistep: epochs at which to decay (default ${DEFAULT-VALUE}).")
    List<Long> milestones;

    @Option(names = "--decay", defaultValue = "0.5", description = "inverse_time: rate in lr/(1+decay*t) (default ${DEFAULT-VALUE}).")
    double decay;

    @Option(names = "--power", defaultValue = "1", description = "polynomial: power (default ${DEFAULT-VALUE}).")
    double power;

    @Option(names = "--min-lr", defaultValue = "0", description = "Final/minimum rate for polynomial, cosine, cosine_restarts, plateau (default ${DEFAULT-VALUE}).")
    double minLr;

    @Option(names = "--t0", defaultValue = "1", description = "cosine_restarts: first cycle in epochs (default ${DEFAULT-VALUE}).")
    long t0;

    @Option(names = "--t-mult", defaultValue = "2", description = "cosine_restarts: cycle growth (default ${DEFAULT-VALUE}).")
    long tMult;

    @Option(names = "--max-lr", description = "cyclic/one_cycle peak rate (default 10x the learning rate).")
    Double maxLr;

    @Option(names = "--cycle-epochs", defaultValue = "1", description = "cyclic: epochs per half cycle (default ${DEFAULT-VALUE}).")
    double cycleEpochs;

    @Option(names = "--pct-start", defaultValue = "0.3", description = "one_cycle: fraction spent rising (default ${DEFAULT-VALUE}).")
    double pctStart;

    @Option(names = "--anneal", defaultValue = "COS", description = "one_cycle: annealing, ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Schedule.Anneal anneal;

    @Option(names = "--three-phase", description = "one_cycle: come back down to the initial rate before the final decay, as PyTorch's three_phase.")
    boolean threePhase;

    @Option(names = "--cycle-momentum", split = ",", paramLabel = "BASE,MAX",
            description = "one_cycle/cyclic: cycle the momentum (beta1 for Adam) between BASE and MAX against the rate, e.g. 0.85,0.95.")
    List<Double> cycleMomentum;

    @Option(names = "--patience", defaultValue = "1", description = "plateau: epochs without improvement before reducing (default ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--factor", defaultValue = "0.1", description = "plateau: reduction factor (default ${DEFAULT-VALUE}).")
    double factor;

    @Option(names = "--warmup", defaultValue = "0", converter = Checked.NonNegative.class, description = "Linear warm-up epochs in front of the schedule (default ${DEFAULT-VALUE}).")
    long warmup;

    boolean perStep() {
        return switch (name) {
            case cyclic, triangular2, exp_range, one_cycle, cosine_restarts -> true;
            default -> false;
        };
    }

    /** The schedule, in steps when {@link #perStep()} else in epochs; null for plateau (see {@link #plateau()}). */
    Schedule create(float lr, int epochs, int stepsPerEpoch) {
        double peak = maxLr == null ? 10.0 * lr : maxLr;
        long half = Math.max(1, Math.round(cycleEpochs * stepsPerEpoch));
        Schedule s = switch (name) {
            case constant, plateau -> Schedule.constant();
            case step -> Schedule.step(stepSize, gamma);
            case multistep -> Schedule.multiStep(milestones.stream().mapToLong(Long::longValue).toArray(), gamma);
            case exponential -> Schedule.exponential(gamma);
            case inverse_time -> Schedule.inverseTime(decay, 1);
            case polynomial -> Schedule.polynomial(epochs, power, minLr);
            case cosine -> Schedule.cosine(epochs, minLr);
            case cosine_restarts -> Schedule.cosineWarmRestarts(t0 * stepsPerEpoch, tMult, minLr);
            case cyclic -> Schedule.cyclic(peak, half, half, Schedule.CyclicMode.TRIANGULAR, 1);
            case triangular2 -> Schedule.cyclic(peak, half, half, Schedule.CyclicMode.TRIANGULAR2, 1);
            case exp_range -> Schedule.cyclic(peak, half, half, Schedule.CyclicMode.EXP_RANGE, Math.pow(gamma, 1.0 / stepsPerEpoch));
            case one_cycle -> Schedule.oneCycle(peak, (long) epochs * stepsPerEpoch, pctStart, 25, 1e4, anneal, threePhase);
        };
        if (warmup > 0) s = Schedule.warmup(s, perStep() ? warmup * stepsPerEpoch : warmup, 0.1);
        return s;
    }

    /** The momentum schedule {@code --cycle-momentum} asks for, on the rate schedule's count, or null. */
    Schedule momentum(picocli.CommandLine cmd, int epochs, int stepsPerEpoch) {
        if (cycleMomentum == null) return null;
        if (cycleMomentum.size() != 2 || !(cycleMomentum.get(0) < cycleMomentum.get(1))) {
            throw new picocli.CommandLine.ParameterException(cmd,
                    "--cycle-momentum takes BASE,MAX with BASE < MAX, got " + cycleMomentum);
        }
        double base = cycleMomentum.get(0);
        double max = cycleMomentum.get(1);
        long half = Math.max(1, Math.round(cycleEpochs * stepsPerEpoch));
        return switch (name) {
            case one_cycle -> Schedule.oneCycleMomentum(base, max, (long) epochs * stepsPerEpoch, pctStart, anneal, threePhase);
            case cyclic -> Schedule.cyclicMomentum(base, max, half, half, Schedule.CyclicMode.TRIANGULAR, 1);
            case triangular2 -> Schedule.cyclicMomentum(base, max, half, half, Schedule.CyclicMode.TRIANGULAR2, 1);
            case exp_range -> Schedule.cyclicMomentum(base, max, half, half, Schedule.CyclicMode.EXP_RANGE,
                    Math.pow(gamma, 1.0 / stepsPerEpoch));
            default -> throw new picocli.CommandLine.ParameterException(cmd,
                    "--cycle-momentum works with --schedule one_cycle, cyclic, triangular2 or exp_range, not " + name);
        };
    }

    ReduceOnPlateau plateau() {
        return name == Name.plateau
                ? new ReduceOnPlateau(ReduceOnPlateau.Mode.MIN, factor, patience, 1e-4, true, 0, minLr)
                : null;
    }
}

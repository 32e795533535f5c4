package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.optim.Sgd;
import dev.stride.optim.schedule.CosineWarmRestarts;
import dev.stride.optim.schedule.ReduceOnPlateau;
import dev.stride.optim.schedule.Schedule;
import dev.stride.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each schedule against its closed form at chosen counts, and reduce-on-plateau against a scripted metric. */
class ScheduleTest {
    private static final double BASE = 0.1;

    private static void at(Schedule s, long t, double expected) {
        assertEquals(expected, s.lr(BASE, t), 1e-12, "t = " + t);
    }

    @Test
    void stepMultiStepExponentialInverseTimePolynomial() {
        Schedule step = Schedule.step(3, 0.5);
        at(step, 0, 0.1);
        at(step, 2, 0.1);
        at(step, 3, 0.05);
        at(step, 7, 0.025);
        Schedule multi = Schedule.multiStep(new long[] {5, 2}, 0.1);
        at(multi, 1, 0.1);
        at(multi, 2, 0.01);
        at(multi, 5, 0.001);
        at(Schedule.exponential(0.9), 3, 0.1 * 0.729);
        at(Schedule.inverseTime(0.5, 2), 4, 0.1 / 2);
        Schedule poly = Schedule.polynomial(10, 2, 0.01);
        at(poly, 0, 0.1);
        at(poly, 5, 0.09 * 0.25 + 0.01);
        at(poly, 10, 0.01);
        at(poly, 20, 0.01);
        at(Schedule.constant(), 99, 0.1);
    }

    @Test
    void cosineAndWarmRestarts() {
        Schedule cos = Schedule.cosine(10, 0.02);
        at(cos, 0, 0.1);
        at(cos, 5, 0.06);
        at(cos, 10, 0.02);
        CosineWarmRestarts sgdr = Schedule.cosineWarmRestarts(2, 2, 0);
        // Cycles: [0,2), [2,6), [6,14).
        at(sgdr, 0, 0.1);
        at(sgdr, 1, 0.05);
        at(sgdr, 2, 0.1);
        at(sgdr, 4, 0.05);
        at(sgdr, 6, 0.1);
        at(sgdr, 10, 0.05);
        assertTrue(sgdr.cycleEndsAt(1) && sgdr.cycleEndsAt(5) && sgdr.cycleEndsAt(13));
        assertFalse(sgdr.cycleEndsAt(2) || sgdr.cycleEndsAt(6));
    }

    @Test
    void cyclicModes() {
        Schedule tri = Schedule.cyclic(0.5, 4, 4, Schedule.CyclicMode.TRIANGULAR, 1);
        at(tri, 0, 0.1);
        at(tri, 2, 0.3);
        at(tri, 4, 0.5);
        at(tri, 6, 0.3);
        at(tri, 8, 0.1);
        at(tri, 12, 0.5);
        Schedule tri2 = Schedule.cyclic(0.5, 4, 4, Schedule.CyclicMode.TRIANGULAR2, 1);
        at(tri2, 4, 0.5);
        at(tri2, 12, 0.3);
        at(tri2, 20, 0.2);
        Schedule exp = Schedule.cyclic(0.5, 4, 4, Schedule.CyclicMode.EXP_RANGE, 0.9);
        at(exp, 4, 0.1 + 0.4 * Math.pow(0.9, 4));
    }

    @Test
    void oneCycle() {
        // max 1.0, 100 steps, 30% rising: starts at 1/25, peaks at step 29, ends at 1/25/1e4.
        Schedule s = Schedule.oneCycle(1.0, 100, 0.3, 25, 1e4);
        at(s, 0, 0.04);
        at(s, 29, 1.0);
        at(s, 99, 0.04 / 1e4);
        double pct = (64 - 29) / 70.0;
        at(s, 64, 0.04 / 1e4 + (1.0 - 0.04 / 1e4) / 2 * (Math.cos(Math.PI * pct) + 1));
    }

    @Test
    void warmupRampsThenHandsOver() {
        Schedule s = Schedule.warmup(Schedule.step(2, 0.5), 4, 0.1);
        at(s, 0, 0.01);
        at(s, 2, 0.1 * (0.1 + 0.9 * 0.5));
        at(s, 4, 0.1);
        at(s, 6, 0.05);
    }

    @Test
    void reduceOnPlateauFollowsAScriptedMetric() {
        Tensor w = Tensor.of(OpsTest.CPU, new float[] {1}, 1).requiresGrad(true);
        Sgd opt = new Sgd(List.of(w), 1f);
        ReduceOnPlateau p = new ReduceOnPlateau(ReduceOnPlateau.Mode.MIN, 0.5, 1, 0.1, true, 1, 0.2);
        double[] metric = {10, 9, 9.5, 9.5, 9.5, 9.5, 9.5, 5, 5, 5, 5, 5, 5};
        // 10 best; 9 < 10·0.9 is not better (threshold 10%) -> bad 1; 9.5 bad 2 > patience 1 -> 0.5, cooldown 1;
        // next: cooldown clears the count; then bad 1, bad 2 -> 0.25; cooldown; 5 is better (< 10·0.9): best 5;
        // then bad 1, 2 -> 0.2 (0.125 clamps to the minimum 0.2); then no further change.
        double[] expected = {1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2};
        for (int i = 0; i < metric.length; i++) {
            p.step(metric[i], opt);
            assertEquals(expected[i], opt.learningRate(), 1e-7, "after check " + (i + 1));
        }
    }

    @Test
    void badLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Schedule.step(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Schedule.cosineWarmRestarts(0, 1, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReduceOnPlateau(ReduceOnPlateau.Mode.MIN, 1.5, 1, 0, true, 0, 0));
        assertTrue(e.getMessage().contains("factor"), e.getMessage());
    }
}

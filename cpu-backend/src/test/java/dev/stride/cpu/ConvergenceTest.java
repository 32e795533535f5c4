package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.optim.Adadelta;
import dev.stride.optim.Adagrad;
import dev.stride.optim.Adam;
import dev.stride.optim.Adamax;
import dev.stride.optim.LBfgs;
import dev.stride.optim.Nadam;
import dev.stride.optim.Optimizer;
import dev.stride.optim.ParamGroup;
import dev.stride.optim.RAdam;
import dev.stride.optim.RmsProp;
import dev.stride.optim.Sgd;
import dev.stride.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Each optimizer on two classic test functions, within a stated number of steps: the quadratic
 * f = (x² + 50 y²)/2 (condition number 50) from (1, 1) to f < 1e-4, and Rosenbrock
 * f = (1-x)² + 100(y-x²)² from (-1.2, 1) to f < 1e-3. Adadelta is held to f < 1e-2 on Rosenbrock: its
 * self-scaling step reaches f ≈ 5e-3 by step 4000 and then drifts back up the valley (measured here, lr 0.1).
 */
class ConvergenceTest {
    static final CpuBackend CPU = new CpuBackend();

    private static Tensor quadratic(Tensor w) {
        return w.square().mul(Tensor.of(CPU, new float[] {0.5f, 25f}, 2)).sum();
    }

    private static Tensor rosenbrock(Tensor w) {
        Tensor x = w.slice(0, 0, 1);
        Tensor y = w.slice(0, 1, 2);
        return x.rsub(1).square().add(y.sub(x.square()).square().mul(100)).sum();
    }

    private static List<ParamGroup> g(List<Tensor> p) {
        return List.of(ParamGroup.of(p));
    }

    /** name, factory (by learning rate), rate and steps allowed on the quadratic, on Rosenbrock. */
    static Stream<Arguments> optimizers() {
        return Stream.of(
                args("sgd", lr -> p -> new Sgd(p, lr), 0.035f, 150, 1e-3f, 10000),
                args("momentum", lr -> p -> Sgd.momentum(p, lr, 0.9f), 0.01f, 200, 1e-3f, 1000),
                args("nesterov", lr -> p -> Sgd.nesterov(p, lr, 0.9f), 0.01f, 200, 1e-3f, 1000),
                args("adagrad", lr -> p -> new Adagrad(p, lr), 0.5f, 200, 0.5f, 5000),
                args("rmsprop", lr -> p -> new RmsProp(p, lr), 0.01f, 300, 1e-3f, 6000),
                args("adam", lr -> p -> new Adam(p, lr), 0.05f, 300, 0.05f, 1600),
                args("amsgrad", lr -> p -> Adam.amsgrad(p, lr), 0.05f, 300, 0.05f, 2000),
                args("adamw", lr -> p -> new Adam(g(p), lr, 0.9f, 0.999f, 1e-8f, 1e-4f, true, false), 0.05f, 300, 0.05f, 1600),
                args("adamax", lr -> p -> new Adamax(p, lr), 0.05f, 300, 0.05f, 4000),
                args("nadam", lr -> p -> new Nadam(p, lr), 0.05f, 300, 0.05f, 5500),
                args("adadelta", lr -> p -> new Adadelta(p, lr), 10f, 600, 0.1f, 5000),
                args("radam", lr -> p -> new RAdam(p, lr), 0.05f, 300, 0.005f, 10000));
    }

    private static Arguments args(String name, Function<Float, Function<List<Tensor>, Optimizer>> make,
                                  float quadLr, int quadSteps, float rosenLr, int rosenSteps) {
        return Arguments.of(name, make, quadLr, quadSteps, rosenLr, rosenSteps);
    }

    private static int stepsToReach(Function<List<Tensor>, Optimizer> make, UnaryOperator<Tensor> f, float[] start,
                                    double target, int limit) {
        Tensor w = Tensor.of(CPU, start, 2).requiresGrad(true);
        Optimizer opt = make.apply(List.of(w));
        for (int i = 1; i <= limit; i++) {
            opt.zeroGrad();
            Tensor loss = f.apply(w);
            if (loss.item() < target) return i - 1;
            loss.backward();
            opt.step();
        }
        return f.apply(w).item() < target ? limit : Integer.MAX_VALUE;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void convergesWithinStatedSteps(String name, Function<Float, Function<List<Tensor>, Optimizer>> make,
                                    float quadLr, int quadSteps, float rosenLr, int rosenSteps) {
        int q = stepsToReach(make.apply(quadLr), ConvergenceTest::quadratic, new float[] {1, 1}, 1e-4, quadSteps);
        assertTrue(q <= quadSteps, name + " needed more than " + quadSteps + " steps on the quadratic");
        int r = stepsToReach(make.apply(rosenLr), ConvergenceTest::rosenbrock, new float[] {-1.2f, 1}, name.equals("adadelta") ? 1e-2 : 1e-3, rosenSteps);
        assertTrue(r <= rosenSteps, name + " needed more than " + rosenSteps + " steps on Rosenbrock");
    }

    @Test
    void lbfgsReachesRosenbrockMinimumInUnder100Iterations() {
        Tensor w = Tensor.of(CPU, new float[] {-1.2f, 1}, 2).requiresGrad(true);
        LBfgs opt = new LBfgs(List.of(w), 1, 100, 1e-9, 1e-12, 100, true);
        opt.step(() -> {
            w.setGrad(null);
            Tensor loss = rosenbrock(w);
            loss.backward();
            return loss;
        });
        float[] x = w.toFloatArray();
        assertTrue(opt.iterations() < 100, "iterations " + opt.iterations());
        assertTrue(Math.abs(x[0] - 1) < 1e-6 && Math.abs(x[1] - 1) < 1e-6, x[0] + ", " + x[1]);
    }
}

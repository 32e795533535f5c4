package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Backend;
import dev.stride.loss.Loss;
import dev.stride.nn.Linear;
import dev.stride.nn.Init;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradCheck;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Central-difference checks of every differentiable op, broadcasting and views included. */
class GradCheckTest {
    static final Backend CPU = new CpuBackend();
    private final Generator gen = new Generator(3);

    private Tensor rand(float lo, float hi, int... shape) {
        return Tensor.rand(CPU, gen, lo, hi, shape);
    }

    private static void check(Function<Tensor[], Tensor> f, Tensor... in) {
        GradCheck.check(f, in);
    }

    @Test
    void binaryOpsWithBroadcasting() {
        Tensor a = rand(-1, 1, 3, 4);
        Tensor row = rand(-1, 1, 4);
        Tensor col = rand(-1, 1, 3, 1);
        check(x -> x[0].add(x[1]), a, row);
        check(x -> x[0].sub(x[1]), col, a);
        check(x -> x[0].mul(x[1]), a, col);
        check(x -> x[0].div(x[1]), a, rand(1, 2, 4));
        check(x -> x[0].maximum(x[1]), a, rand(-1, 1, 3, 4));
        check(x -> x[0].mul(2.5f).add(1f).rsub(3f).div(2f), a);
        check(x -> x[0].pow(3f), a);
    }

    @Test
    void unaryOps() {
        Tensor a = rand(-2, 2, 2, 5);
        Tensor pos = rand(0.5f, 2, 2, 5);
        check(x -> x[0].neg(), a);
        check(x -> x[0].exp(), a);
        check(x -> x[0].log(), pos);
        check(x -> x[0].sqrt(), pos);
        check(x -> x[0].square(), a);
        check(x -> x[0].reciprocal(), pos);
        check(x -> x[0].sigmoid(), a);
        check(x -> x[0].tanh(), a);
        // Kinks at 0 are avoided: values are at least 0.1 away.
        Tensor away = Tensor.of(CPU, new float[] {-1.5f, -0.3f, 0.2f, 0.9f, -0.1f, 1.7f}, 2, 3);
        check(x -> x[0].relu(), away);
        check(x -> x[0].abs(), away);
    }

    @Test
    void reductions() {
        Tensor a = rand(-1, 1, 2, 3, 4);
        check(x -> x[0].sum(), a);
        check(x -> x[0].sum(new int[] {0, 2}, true), a);
        check(x -> x[0].mean(1, false), a);
        check(x -> x[0].max(2, false), a);
        check(x -> x[0].softmax(1), rand(-2, 2, 3, 5));
        check(x -> x[0].logSoftmax(1), rand(-2, 2, 3, 5));
    }

    @Test
    void viewsAndLayout() {
        Tensor a = rand(-1, 1, 2, 3, 4);
        check(x -> x[0].reshape(6, 4).mul(x[0].reshape(6, 4)), a);
        Tensor w = rand(0, 1, 4, 2, 3);
        check(x -> x[0].permute(2, 0, 1).mul(w), a);
        check(x -> x[0].transpose(0, 2).contiguous().exp(), a);
        check(x -> x[0].slice(2, 1, 3).square(), a);
        check(x -> x[0].expand(2, 3, 4).mul(a), rand(-1, 1, 3, 1));
        check(x -> x[0].flatten(1).exp(), a);
    }

    @Test
    void matmulInEveryLayout() {
        Tensor a = rand(-1, 1, 3, 4);
        Tensor b = rand(-1, 1, 4, 5);
        check(x -> x[0].matmul(x[1]), a, b);
        check(x -> x[0].t().matmul(x[1].t()), rand(-1, 1, 4, 3), rand(-1, 1, 5, 4));
        check(x -> x[0].matmul(x[1]), rand(-1, 1, 2, 3, 4), rand(-1, 1, 2, 4, 5));
        check(x -> x[0].matmul(x[1]), rand(-1, 1, 2, 3, 4), b);
        check(x -> x[0].slice(1, 1, 5).matmul(x[1]), rand(-1, 1, 3, 6), b);
    }

    @Test
    void indexingAndLosses() {
        Tensor labels = Tensor.ofInts(CPU, new int[] {2, 0, 1, 2}, 4);
        check(x -> x[0].gatherRows(labels), rand(-1, 1, 4, 3));
        check(x -> Loss.crossEntropy(x[0], labels), rand(-2, 2, 4, 3));
        check(x -> Loss.crossEntropy(x[0].t(), labels), rand(-2, 2, 3, 4));
        check(x -> Loss.mse(x[0], x[1]), rand(-1, 1, 3, 2), rand(-1, 1, 3, 2));
    }

    @Test
    void linearLayerParametersAndInput() {
        Linear layer = new Linear(4, 3, true, Init.Scheme.XAVIER_UNIFORM, CPU, gen);
        Tensor in = rand(-1, 1, 5, 4);
        check(x -> x[0].matmul(x[1].t()).add(x[2]).tanh(), in, layer.weight(), rand(-1, 1, 3));
        check(x -> layer.forward(x[0]).tanh(), in);
    }

    @Test
    void gradCheckCatchesAWrongGradient() {
        // A deliberately wrong rule (gradient of x^3 as 2x) must be caught.
        Tensor a = rand(0.5f, 1, 3);
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.check(x -> x[0].mul(x[0].detach()).mul(x[0].detach()), a));
        assertTrue(e.getMessage().contains("analytic"), e.getMessage());
    }
}

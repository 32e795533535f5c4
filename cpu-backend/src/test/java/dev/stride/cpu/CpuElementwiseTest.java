package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stride.backend.BinaryOp;
import dev.stride.backend.Storage;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.View;
import dev.stride.tensor.DType;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

class CpuElementwiseTest {
    private static final float[] SPECIAL = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7f800001), 1f, -1f, 0.5f, -2.5f, 3e-39f, 1e30f};

    private static float expected(float v) {
        return v > 0 ? 1f : 0f;
    }

    @Test
    void branchFreeStepAgreesWithTheCompareOnEveryKindOfFloat() {
        for (float v : SPECIAL) assertEquals(expected(v), CpuElementwise.step(v), "step(" + v + ")");
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++) {
            float v = Float.intBitsToFloat(r.nextInt());
            assertEquals(expected(v), CpuElementwise.step(v), "step of bits " + Integer.toHexString(Float.floatToRawIntBits(v)));
        }
    }

    private static final CpuBackend CPU = new CpuBackend();
    /** Two rows of 37: whole vectors and a scalar tail each, the second row starting off a vector boundary. */
    private static final int ROWS = 2;
    private static final int COLS = 37;

    /** Every special value against every other, cycling at two different rates. */
    private static float[] values(int stride) {
        float[] v = new float[ROWS * COLS + 1];
        for (int i = 0; i < v.length; i++) v[i] = SPECIAL[(i * stride) % SPECIAL.length];
        return v;
    }

    private static Storage storage(float[] v) {
        Storage s = CPU.allocate(DType.F32, v.length);
        CPU.write(s, 0, v, 0, v.length);
        return s;
    }

    /** A 2×37 view one element into its storage, so that rows start off a vector boundary. */
    private static View view(Storage s) {
        return new View(s, 1, new int[] {ROWS, COLS}, new long[] {COLS, 1});
    }

    private static float[] read(Storage s) {
        float[] out = new float[ROWS * COLS];
        CPU.read(s, 0, out, 0, out.length);
        return out;
    }

    /** Same bits, NaNs taken as one value: what the scalar loops give is what the vector loops must give. */
    private static void assertSameBits(float want, float got, String what) {
        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), what + ": want " + want + ", got " + got);
    }

    @Test
    void vectorRowsGiveTheScalarDefinitionsBitsAtTheSpecialPoints() {
        float[] x = values(1);
        float[] y = values(7);
        Storage xs = storage(x);
        Storage ys = storage(y);
        Storage out = CPU.allocate(DType.F32, ROWS * COLS);
        BinaryOp[] ops = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV};
        DoubleBinaryOperator[] defs = {(a, b) -> (float) a + (float) b, (a, b) -> (float) a - (float) b,
            (a, b) -> (float) a * (float) b, (a, b) -> (float) a / (float) b};
        for (int k = 0; k < ops.length; k++) {
            CPU.binary(ops[k], view(xs), view(ys), out);
            float[] got = read(out);
            for (int i = 0; i < got.length; i++) {
                assertSameBits((float) defs[k].applyAsDouble(x[i + 1], y[i + 1]), got[i], ops[k] + " at " + i);
            }
            for (float c : new float[] {-0f, Float.NaN, Float.POSITIVE_INFINITY, -2.5f}) {
                CPU.binary(ops[k], view(xs), c, out);
                got = read(out);
                for (int i = 0; i < got.length; i++) {
                    assertSameBits((float) defs[k].applyAsDouble(x[i + 1], c), got[i], ops[k] + " by " + c + " at " + i);
                }
            }
        }
        UnaryOp[] unary = {UnaryOp.NEG, UnaryOp.SQUARE, UnaryOp.RELU, UnaryOp.STEP};
        for (UnaryOp op : unary) {
            CPU.unary(op, view(xs), out);
            float[] got = read(out);
            for (int i = 0; i < got.length; i++) {
                float v = x[i + 1];
                float want = switch (op) {
                    case NEG -> -v;
                    case SQUARE -> v * v;
                    case RELU -> Math.max(v, 0f);
                    default -> v > 0 ? 1f : 0f;
                };
                assertSameBits(want, got[i], op + "(" + v + ")");
            }
        }
        // ReLU's backward multiplies: an infinite or NaN gradient where the input is not positive gives NaN, not 0.
        CPU.reluBackward(view(ys), view(xs), out);
        float[] got = read(out);
        for (int i = 0; i < got.length; i++) {
            assertSameBits(y[i + 1] * (x[i + 1] > 0 ? 1f : 0f), got[i], "reluBackward(" + y[i + 1] + ", " + x[i + 1] + ")");
        }
    }
}

package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.UnaryOp;
import org.junit.jupiter.api.Test;

/** The vector exp and sigmoid against Math's, element by element, over the range they serve and at its ends. */
class VectorMathTest {
    @Test
    void expAndSigmoidRowsAgreeWithMathWithinAFewUlp() {
        int n = 200_003;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87f + 175f * i / (n - 1);
        x[5] = 0f;
        x[6] = -0f;
        x[7] = Float.NaN;
        x[8] = 1e-30f;
        float[] e = new float[n];
        float[] s = new float[n];
        int done = VectorMath.row(UnaryOp.EXP, x, 0, e, 0, n);
        assertTrue(done > n - 64, "vectors cover the row but its tail: " + done);
        VectorMath.row(UnaryOp.SIGMOID, x, 0, s, 0, n);
        for (int i = 0; i < done; i++) {
            float want = (float) Math.exp(x[i]);
            if (Float.isNaN(x[i])) {
                assertTrue(Float.isNaN(e[i]) && Float.isNaN(s[i]), "NaN stays NaN");
                continue;
            }
            assertTrue(Math.abs(e[i] - want) <= 2 * Math.ulp(want), "exp(" + x[i] + ") = " + e[i] + ", Math gives " + want);
            double sig = 1 / (1 + Math.exp(-x[i]));
            // 1 + e^-x rounds once more than Math.exp: 4 ulp, 2.4e-7 relative, inside float32 tolerances.
            assertEquals(sig, s[i], 4 * Math.ulp((float) sig) + 1e-38, "sigmoid(" + x[i] + ")");
        }
        assertEquals(1f, e[5]);
        assertEquals(1f, e[6]);
    }

    /** Past the clamps every input gets the clamp's value, bit for bit, and NaN stays NaN in its lane. */
    @Test
    void expClampsBeyondItsRangeAndKeepsNaN() {
        float[] x = {Float.NEGATIVE_INFINITY, -1e30f, -100f, -87f, 88f, 100f, Float.POSITIVE_INFINITY, Float.NaN,
                     -87.5f, 88.5f, Float.MAX_VALUE, -Float.MAX_VALUE, 0f, -0f, 1f, -1f};
        float[] e = new float[x.length];
        assertEquals(x.length, VectorMath.row(UnaryOp.EXP, x, 0, e, 0, x.length));
        float low = e[3];
        float high = e[4];
        for (int i : new int[] {0, 1, 2, 8, 11}) {
            assertEquals(Float.floatToRawIntBits(low), Float.floatToRawIntBits(e[i]), "exp(" + x[i] + ")");
        }
        for (int i : new int[] {5, 6, 9, 10}) {
            assertEquals(Float.floatToRawIntBits(high), Float.floatToRawIntBits(e[i]), "exp(" + x[i] + ")");
        }
        assertTrue(Float.isNaN(e[7]), "exp(NaN)");
        assertEquals(1f, e[12]);
        assertEquals(1f, e[13]);
        assertEquals((float) Math.E, e[14], 2 * Math.ulp((float) Math.E));
        assertTrue(low > 0 && low < 2e-38f && high > 1.6e38f && high < Float.POSITIVE_INFINITY, low + " and " + high);
    }

    /**
     * The row maximum wherever it stands: in each of the running maxima, in the vectors after them and in the
     * scalar tail, for every length up to five blocks of four vectors, at an offset; NaN never wins, an empty or
     * all-NaN row gives −∞. A softmax cannot show a wrong shift until x − shift passes exp's clamp, so it is checked
     * here directly.
     */
    @Test
    void maxFindsTheLargestAnywhereAndSkipsNaN() {
        int lanes = Simd.FLOAT.length();
        int from = 3;
        for (int len = 0; len <= 20 * lanes + 5; len++) {
            float[] x = new float[from + len + 2];
            java.util.Arrays.fill(x, 1e6f);
            for (int i = 0; i < len; i++) x[from + i] = -50f + (i * 37) % 23;
            if (len == 0) assertEquals(Float.NEGATIVE_INFINITY, VectorMath.max(x, from, 0));
            for (int at = 0; at < len; at++) {
                float keep = x[from + at];
                x[from + at] = 200f;
                assertEquals(200f, VectorMath.max(x, from, len), "length " + len + ", largest at " + at);
                x[from + at] = Float.NaN;
                float rest = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < len; i++) rest = i == at ? rest : Math.max(rest, x[from + i]);
                assertEquals(rest, VectorMath.max(x, from, len), "length " + len + ", NaN at " + at);
                x[from + at] = keep;
            }
        }
        float[] nans = new float[5 * lanes];
        java.util.Arrays.fill(nans, Float.NaN);
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.max(nans, 0, nans.length));
    }
}

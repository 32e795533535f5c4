package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Backend;
import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Known answers for the tensor ops on the CPU backend: values, broadcasting, views and errors. */
class OpsTest {
    static final Backend CPU = new CpuBackend();

    static Tensor t(float[] v, int... shape) {
        return Tensor.of(CPU, v, shape);
    }

    static float[] range(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return v;
    }

    @Test
    void broadcastingAddOverRowsAndColumns() {
        Tensor a = t(range(6), 2, 3);
        assertArrayEquals(new float[] {10, 21, 32, 13, 24, 35}, a.add(t(new float[] {10, 20, 30}, 3)).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 2, 30, 40, 50}, a.mul(t(new float[] {1, 10}, 2, 1)).toFloatArray());
        assertArrayEquals(new float[] {-1, 0, 1, 2, 3, 4}, a.sub(1f).toFloatArray());
        assertArrayEquals(new float[] {1, 0, -1, -2, -3, -4}, a.rsub(1f).toFloatArray());
    }

    @Test
    void elementwiseEdgeValues() {
        Tensor x = t(new float[] {-2, 0, 3, Float.NaN}, 4);
        assertArrayEquals(new float[] {0, 0, 3, Float.NaN}, x.relu().toFloatArray());
        assertArrayEquals(new float[] {2, 0, 3, Float.NaN}, x.abs().toFloatArray());
        float[] s = t(new float[] {-100, 0, 100}, 3).sigmoid().toFloatArray();
        assertEquals(0f, s[0], 1e-30);
        assertEquals(0.5f, s[1]);
        assertEquals(1f, s[2]);
        assertArrayEquals(new float[] {Float.NEGATIVE_INFINITY, 0}, t(new float[] {0, 1}, 2).log().toFloatArray());
        Tensor m = t(new float[] {1, Float.NaN, 3}, 3).maximum(t(new float[] {2, 0, Float.NaN}, 3));
        assertArrayEquals(new float[] {2, Float.NaN, Float.NaN}, m.toFloatArray());
    }

    @Test
    void reductionsOverAxes() {
        Tensor a = t(range(24), 2, 3, 4);
        assertEquals(276f, a.sum().item());
        Tensor s = a.sum(new int[] {0, 2}, false);
        assertArrayEquals(new int[] {3}, s.shape());
        assertArrayEquals(new float[] {60, 92, 124}, s.toFloatArray());
        assertArrayEquals(new int[] {2, 1, 4}, a.sum(1, true).shape());
        assertArrayEquals(new float[] {12, 15, 18, 21, 48, 51, 54, 57}, a.sum(1, true).toFloatArray());
        assertArrayEquals(new float[] {3, 7, 11, 15, 19, 23}, a.max(-1, false).toFloatArray());
        assertArrayEquals(new float[] {5.5f, 17.5f}, a.mean(new int[] {1, 2}, false).toFloatArray());
    }

    @Test
    void columnSumOfTallMatrixMatchesRowByRow() {
        int rows = 300;
        int cols = 70;
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (i % 13) - 6;
        float[] got = t(v, rows, cols).sum(0, false).toFloatArray();
        for (int c = 0; c < cols; c++) {
            float e = 0;
            for (int r = 0; r < rows; r++) e += v[r * cols + c];
            assertEquals(e, got[c], 1e-3);
        }
    }

    /** Row-major sum in double of the elements {@code view} shows, as the reductions define it. */
    private static float sequentialSum(Tensor view) {
        double acc = 0;
        for (float f : view.contiguous().toFloatArray()) acc += f;
        return (float) acc;
    }

    @Test
    void reducedAxesThatAreOneRunFoldAsOneAndOthersDoNot() {
        float[] v = new float[4 * 7 * 9];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i * 0.37) * (1 + i % 11);
        Tensor a = t(v, 4, 7, 9);
        // Whole tensor, and trailing axes of one row: one run each, folded in row-major order, bit for bit.
        assertEquals(sequentialSum(a), a.sum().item());
        float[] rows = a.sum(new int[] {1, 2}, false).toFloatArray();
        for (int i = 0; i < 4; i++) assertEquals(sequentialSum(a.slice(0, i, i + 1)), rows[i]);
        // A column slice steps over columns it leaves out: joining its axes would sum those too.
        Tensor cols = a.slice(2, 0, 3);
        assertEquals(sequentialSum(cols), cols.sum().item());
        assertEquals(sequentialSum(cols.slice(0, 1, 2)), cols.sum(new int[] {1, 2}, false).toFloatArray()[1]);
        // A transpose reads its axes out of memory order; size-1 axes join anything.
        Tensor tr = a.permute(2, 0, 1);
        assertEquals(sequentialSum(tr), tr.sum().item());
        Tensor one = t(v, 4, 1, 63);
        assertEquals(sequentialSum(one), one.sum().item());
        // Reducing the size-1 axis alone leaves the other two as they were.
        assertArrayEquals(one.reshape(4, 63).toFloatArray(), one.sum(1, false).toFloatArray());
    }

    @Test
    void argmaxTakesFirstMaximum() {
        Tensor a = t(new float[] {1, 5, 5, 2, -1, -3, -1, -2}, 2, 4);
        assertArrayEquals(new int[] {1, 0}, a.argmax(1, false).toIntArray());
        assertArrayEquals(new int[] {0, 0, 0, 0}, a.argmax(0, false).toIntArray());
    }

    @Test
    void viewsShareStorageAndCopyOnlyWhenNeeded() {
        Tensor a = t(range(6), 2, 3);
        Tensor tr = a.t();
        assertArrayEquals(new int[] {3, 2}, tr.shape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tr.contiguous().toFloatArray());
        assertTrue(a.reshape(3, 2).storage() == a.storage());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tr.reshape(6).toFloatArray());
        Tensor sl = a.slice(1, 1, 3);
        assertArrayEquals(new float[] {1, 2, 4, 5}, sl.toFloatArray());
        assertArrayEquals(new float[] {2, 3, 5, 6}, sl.add(1f).toFloatArray());
        Tensor b = t(range(24), 2, 3, 4).permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, b.shape());
        assertEquals(13f, b.contiguous().toFloatArray()[1 * 6 + 1 * 3 + 0]);
        assertArrayEquals(new float[] {0, 1, 2, 0, 1, 2}, t(range(3), 3).expand(2, 3).toFloatArray());
    }

    @Test
    void emptyTensorsFlowThrough() {
        Tensor e = Tensor.zeros(CPU, 0, 3);
        assertEquals(0, e.add(1f).numel());
        assertArrayEquals(new float[] {0, 0, 0}, e.sum(0, false).toFloatArray());
        assertArrayEquals(new int[] {0, 2}, e.matmul(Tensor.zeros(CPU, 3, 2)).shape());
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        float[] p = t(new float[] {1000, 1001, 1002}, 1, 3).softmax(1).toFloatArray();
        double z = 1 + Math.exp(1) + Math.exp(2);
        assertEquals(1 / z, p[0], 1e-6);
        assertEquals(Math.exp(2) / z, p[2], 1e-6);
        float[] lp = t(new float[] {1000, 1001, 1002}, 1, 3).logSoftmax(1).toFloatArray();
        assertEquals(-Math.log(z), lp[0], 1e-5);
    }

    @Test
    void shapeErrorsNameOpAndShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t(range(6), 2, 3).add(t(range(2), 2)));
        assertTrue(e.getMessage().startsWith("add:") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t(range(6), 2, 3).matmul(t(range(6), 2, 3)));
        assertTrue(e.getMessage().startsWith("matmul:") && e.getMessage().contains("[2, 3] and [2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t(range(6), 2, 3).reshape(4, -1));
        assertTrue(e.getMessage().startsWith("reshape:") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t(range(6), 6).slice(0, 2, 9));
        assertTrue(e.getMessage().startsWith("slice:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(CPU, range(5), 2, 3));
        assertTrue(e.getMessage().contains("5 values do not fill shape [2, 3]"), e.getMessage());
    }

    @Test
    void gatherRejectsOutOfRangeIndex() {
        Tensor x = t(range(6), 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.gatherRows(Tensor.ofInts(CPU, new int[] {0, 3}, 2)));
        assertTrue(e.getMessage().contains("index 3 in row 1"), e.getMessage());
        assertArrayEquals(new float[] {2, 3}, x.gatherRows(Tensor.ofInts(CPU, new int[] {2, 0}, 2)).toFloatArray());
    }
}

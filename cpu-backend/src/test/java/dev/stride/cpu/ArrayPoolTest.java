package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Storage;
import dev.stride.tensor.DType;
import org.junit.jupiter.api.Test;

class ArrayPoolTest {
    private final CpuBackend be = new CpuBackend();

    @Test
    void aReleasedLargeArrayComesBackZeroedForTheSameLength() {
        int n = ArrayPool.MIN_LENGTH + 3;
        Storage a = be.allocate(DType.F32, n);
        float[] array = ((CpuStorage) a).f();
        be.fill(a, 0, n, 7f);
        a.release();
        Storage b = be.allocate(DType.F32, n);
        assertSame(array, ((CpuStorage) b).f(), "reused");
        for (float v : ((CpuStorage) b).f()) assertEquals(0f, v);
        Storage other = be.allocate(DType.F32, n + 1);
        assertNotSame(array, ((CpuStorage) other).f(), "another length gets its own");
        b.release();
        other.release();
    }

    @Test
    void theMlpsActivationsAndGradientsAreKept() {
        // A batch of 128 through a 256-wide layer, and the 784x256 weight gradient: fresh, each is zeroed by the JVM.
        for (int n : new int[] {128 * 256, 784 * 256}) {
            Storage a = be.allocate(DType.F32, n);
            float[] array = ((CpuStorage) a).f();
            a.release();
            Storage b = be.allocate(DType.F32, n);
            assertTrue(array == ((CpuStorage) b).f(), n + " floats: not reused");
            b.release();
        }
    }

    @Test
    void smallArraysAreNotKeptAndAUseAfterReleaseFails() {
        Storage small = be.allocate(DType.F32, 1000);
        float[] array = ((CpuStorage) small).f();
        small.release();
        assertNotSame(array, ((CpuStorage) be.allocate(DType.F32, 1000)).f());
        Storage big = be.allocate(DType.F32, ArrayPool.MIN_LENGTH);
        big.release();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> be.fill(big, 0, 1, 1f));
        assertTrue(e.getMessage().contains("used after it was closed"), e.getMessage());
    }

    @Test
    void anOpThatWritesEveryElementSkipsTheClearingAndAPartialWriteDoesNot() {
        int n = ArrayPool.MIN_LENGTH;
        Storage a = be.allocate(DType.F32, n);
        be.fill(a, 0, n, 7f);
        a.release();
        Storage b = be.allocate(DType.F32, n);
        be.fill(b, 1, n - 1, 2f);
        float[] v = new float[2];
        be.read(b, 0, v, 0, 2);
        assertEquals(0f, v[0], "the element a partial fill leaves is zero, not the old 7");
        assertEquals(2f, v[1]);
        b.release();
        Storage c = be.allocate(DType.F32, n);
        assertEquals(2f, ((CpuStorage) c).whole()[5], "a whole-array writer gets the old contents, uncleared");
        c.release();
    }

    /**
     * Every catalog case (ops, fused ops, layers, losses, rules) gives the same bits when each output an op claims to
     * write in full starts as NaN: no op reads an element of its output that it did not write.
     */
    @Test
    void noOpReadsAnOutputElementItDidNotWrite() {
        java.util.List<dev.stride.testing.Parity.Case> cases = dev.stride.testing.ParityCatalog.all();
        java.util.List<java.util.Map<String, float[]>> clean = new java.util.ArrayList<>();
        for (var c : cases) clean.add(runScoped(c));
        CpuStorage.poison = true;
        try {
            for (int i = 0; i < cases.size(); i++) {
                java.util.Map<String, float[]> poisoned = runScoped(cases.get(i));
                for (var e : clean.get(i).entrySet()) {
                    assertTrue(java.util.Arrays.equals(e.getValue(), poisoned.get(e.getKey())),
                            cases.get(i).name() + ": " + e.getKey() + " changed when outputs start as NaN");
                }
            }
        } finally {
            CpuStorage.poison = false;
        }
    }

    private java.util.Map<String, float[]> runScoped(dev.stride.testing.Parity.Case c) {
        try (dev.stride.tensor.MemoryScope scope = dev.stride.tensor.MemoryScope.open()) {
            return c.run().apply(be);
        }
    }
}

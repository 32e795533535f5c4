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
        float[] array = ((CpuStorage) a).f;
        be.fill(a, 0, n, 7f);
        a.release();
        Storage b = be.allocate(DType.F32, n);
        assertSame(array, ((CpuStorage) b).f, "reused");
        for (float v : ((CpuStorage) b).f) assertEquals(0f, v);
        Storage other = be.allocate(DType.F32, n + 1);
        assertNotSame(array, ((CpuStorage) other).f, "another length gets its own");
        b.release();
        other.release();
    }

    @Test
    void smallArraysAreNotKeptAndAUseAfterReleaseFails() {
        Storage small = be.allocate(DType.F32, 1000);
        float[] array = ((CpuStorage) small).f;
        small.release();
        assertNotSame(array, ((CpuStorage) be.allocate(DType.F32, 1000)).f);
        Storage big = be.allocate(DType.F32, ArrayPool.MIN_LENGTH);
        big.release();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> be.fill(big, 0, 1, 1f));
        assertTrue(e.getMessage().contains("used after it was closed"), e.getMessage());
    }
}

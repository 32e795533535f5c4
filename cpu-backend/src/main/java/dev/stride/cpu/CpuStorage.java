package dev.stride.cpu;

import dev.stride.backend.Storage;
import dev.stride.tensor.DType;

/**
 * A Java array: {@code float[]} for F32, {@code int[]} for I32. A large float array goes back to the {@link ArrayPool}
 * when the last reference is released (the storage then holds none, so a use after that fails); otherwise, and for
 * a storage nobody released, the garbage collector frees it.
 */
final class CpuStorage extends Storage {
    float[] f;
    final int[] i;

    CpuStorage(CpuBackend backend, DType dtype, long numel) {
        super(backend, dtype, checkSize(numel), null);
        this.f = dtype == DType.F32 ? ArrayPool.floats((int) numel) : null;
        this.i = dtype == DType.I32 ? new int[(int) numel] : null;
    }

    @Override
    protected void released() {
        float[] a = f;
        f = null;
        ArrayPool.give(a);
    }

    private static long checkSize(long numel) {
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cpu: cannot allocate " + numel + " elements (Java arrays hold at most 2^31-9)");
        }
        return numel;
    }
}

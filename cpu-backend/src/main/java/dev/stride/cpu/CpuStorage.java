package dev.stride.cpu;

import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.tensor.DType;

/** A Java array: {@code float[]} for F32, {@code int[]} for I32. Freed by the garbage collector. */
final class CpuStorage implements Storage {
    final float[] f;
    final int[] i;
    private final CpuBackend backend;
    private final DType dtype;

    CpuStorage(CpuBackend backend, DType dtype, long numel) {
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cpu: cannot allocate " + numel + " elements (Java arrays hold at most 2^31-9)");
        }
        this.backend = backend;
        this.dtype = dtype;
        this.f = dtype == DType.F32 ? new float[(int) numel] : null;
        this.i = dtype == DType.I32 ? new int[(int) numel] : null;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long numel() {
        return f != null ? f.length : i.length;
    }

    @Override
    public void close() {
        // Garbage-collected.
    }
}

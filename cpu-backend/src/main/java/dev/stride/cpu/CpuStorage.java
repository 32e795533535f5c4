package dev.stride.cpu;

import dev.stride.backend.Storage;
import dev.stride.tensor.DType;
import java.util.Arrays;

/**
 * A Java array: {@code float[]} for F32, {@code int[]} for I32. A large float array goes back to the {@link ArrayPool}
 * when the last reference is released (the storage then holds none, so a use after that fails); otherwise, and for
 * a storage nobody released, the garbage collector frees it. A storage allocated from a pooled array is zero-filled
 * only when something reads it first: an op that overwrites every element asks for it through {@link #whole()} and
 * skips the clearing, which for activations and gradients is almost always.
 */
final class CpuStorage extends Storage {
    private float[] f;
    final int[] i;
    private boolean dirty;

    /** Tests set this to make {@link #whole()} hand out NaNs, so an op that claims it but skips an element shows. */
    static volatile boolean poison;

    CpuStorage(CpuBackend backend, DType dtype, long numel) {
        super(backend, dtype, checkSize(numel), null);
        if (dtype == DType.F32) {
            float[] kept = ArrayPool.take((int) numel);
            dirty = kept != null;
            f = kept != null ? kept : new float[(int) numel];
        }
        this.i = dtype == DType.I32 ? new int[(int) numel] : null;
    }

    /** The array, zero-filled if it came back from the pool dirty; null once released or for I32. */
    float[] f() {
        float[] a = f;
        if (dirty && a != null) {
            ArrayPool.clear(a);
            dirty = false;
        }
        return a;
    }

    /** The array for an op that writes every element before any is read: a pooled array's old contents stay. */
    float[] whole() {
        float[] a = f;
        dirty = false;
        if (poison && a != null) Arrays.fill(a, Float.NaN);
        return a;
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

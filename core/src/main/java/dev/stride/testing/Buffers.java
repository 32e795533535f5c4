package dev.stride.testing;

import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.random.Philox;
import dev.stride.tensor.DType;

/** Seeded test inputs and host copies of storages, for parity cases and backend tests. */
public final class Buffers {
    private Buffers() {}

    /** {@code n} values uniform on [lo, hi), the same on every machine for a seed. */
    public static float[] values(int n, long seed, float lo, float hi) {
        float[] v = new float[n];
        Philox.fill(false, seed, 0, lo, hi, v, n, 0, (n + 3) / 4);
        return v;
    }

    /** A new storage on {@code be} holding {@code v}. */
    public static Storage upload(Backend be, float[] v) {
        Storage s = be.allocate(DType.F32, v.length);
        be.write(s, 0, v, 0, v.length);
        return s;
    }

    /** The storage's elements on the host (I32 as exact floats). */
    public static float[] download(Storage s) {
        float[] out = new float[(int) s.numel()];
        if (s.dtype() == DType.F32) {
            s.backend().read(s, 0, out, 0, out.length);
        } else {
            int[] i = new int[out.length];
            s.backend().read(s, 0, i, 0, i.length);
            for (int k = 0; k < i.length; k++) out[k] = i[k];
        }
        return out;
    }
}

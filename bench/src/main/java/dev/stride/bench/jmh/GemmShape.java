package dev.stride.bench.jmh;

import dev.stride.backend.Backend;
import dev.stride.backend.Distribution;
import dev.stride.backend.Gemm;
import dev.stride.backend.Storage;
import dev.stride.tensor.DType;

/** A GEMM named {@code N} (square) or {@code MxNxK:ab}, a and b each {@code n} or {@code t} (transposed). */
public final class GemmShape {
    private GemmShape() {}

    /** The GEMM of that shape over random operands on {@code be}. */
    public static Gemm random(Backend be, String shape) {
        String[] dims = shape.split(":")[0].split("x");
        String flags = shape.contains(":") ? shape.split(":")[1] : "nn";
        int m = Integer.parseInt(dims[0]);
        int n = dims.length > 1 ? Integer.parseInt(dims[1]) : m;
        int k = dims.length > 2 ? Integer.parseInt(dims[2]) : m;
        boolean ta = flags.charAt(0) == 't';
        boolean tb = flags.charAt(1) == 't';
        Storage a = be.allocate(DType.F32, (long) m * k);
        Storage b = be.allocate(DType.F32, (long) k * n);
        be.random(Distribution.UNIFORM, 1, 0, -1, 1, a, (long) m * k);
        be.random(Distribution.UNIFORM, 2, 0, -1, 1, b, (long) k * n);
        return new Gemm(1, m, n, k, 1f, a, 0, ta ? m : k, 0, ta, b, 0, tb ? k : n, 0, tb,
                0f, be.allocate(DType.F32, (long) m * n), 0, n, 0);
    }
}

package dev.stride.tensor;

import dev.stride.backend.Gemm;
import dev.stride.backend.Storage;

/** Maps tensor views onto one batched GEMM call: a view with a unit stride in either matrix dimension needs no copy. */
final class MatMul {
    private MatMul() {}

    /** How a (possibly batched) matrix view is handed to GEMM. */
    private record Operand(Tensor t, int ld, long batchStride, boolean trans) {}

    static void check(Tensor a, Tensor b) {
        a.live("matmul");
        b.live("matmul");
        int ra = a.rank();
        int rb = b.rank();
        boolean ranksOk = (ra == 2 || ra == 3) && (rb == 2 || rb == 3);
        boolean typesOk = a.dtype() == DType.F32 && b.dtype() == DType.F32;
        if (!ranksOk || !typesOk || a.dim(-1) != b.dim(-2) || (ra == 3 && rb == 3 && a.dim(0) != b.dim(0) && b.dim(0) != 1)) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(a.shape()) + " and " + Shape.str(b.shape())
                    + " do not multiply (expects F32 [M,K]@[K,N], [B,M,K]@[B,K,N], [B,M,K]@[K,N] or [M,K]@[B,K,N])");
        }
        Tensor.sameBackend("matmul", a, b);
    }

    static Tensor forward(Tensor a, Tensor b) {
        int batch = a.rank() == 3 ? a.dim(0) : b.rank() == 3 ? b.dim(0) : 1;
        int m = a.dim(-2);
        int k = a.dim(-1);
        int n = b.dim(-1);
        Operand oa = operand(a);
        Operand ob = operand(b);
        int[] outShape = a.rank() == 3 || b.rank() == 3 ? new int[] {batch, m, n} : new int[] {m, n};
        Storage c = a.backend().allocate(DType.F32, (long) batch * m * n);
        if (batch > 0 && m > 0 && n > 0) {
            a.backend().gemm(new Gemm(batch, m, n, k, 1f,
                    oa.t.storage(), oa.t.offset(), oa.ld, oa.batchStride, oa.trans,
                    ob.t.storage(), ob.t.offset(), ob.ld, ob.batchStride, ob.trans,
                    0f, c, 0, n, (long) m * n));
        }
        return Tensor.make(c, outShape);
    }

    /** A plain matrix stored column-major, such as {@code w.t()}. */
    static boolean transposedLayout(Tensor t) {
        if (t.rank() != 2 || t.dim(0) <= 1 || t.dim(1) <= 1) return false;
        long[] st = t.strides();
        return st[0] == 1 && st[1] >= t.dim(0);
    }

    private static Operand operand(Tensor t) {
        int r = t.rank();
        int rows = t.dim(-2);
        int cols = t.dim(-1);
        long[] st = t.strides();
        long rs = st[r - 2];
        long cs = st[r - 1];
        long bs = r == 3 && t.dim(0) > 1 ? st[0] : 0;
        if ((cs == 1 || cols <= 1) && (rs >= cols || rows <= 1)) {
            return new Operand(t, (int) Math.max(Math.max(rs, cols), 1), bs, false);
        }
        if ((rs == 1 || rows <= 1) && (cs >= rows || cols <= 1)) {
            return new Operand(t, (int) Math.max(Math.max(cs, rows), 1), bs, true);
        }
        Tensor c = t.detach().contiguous();
        return new Operand(c, Math.max(cols, 1), r == 3 && t.dim(0) > 1 ? (long) rows * cols : 0, false);
    }
}

package dev.stride.cpu;

import dev.stride.backend.View;

/**
 * Walks up to two same-shape strided views row by row, after merging dimensions that are contiguous in both,
 * so the innermost loop is as long as possible and usually has unit stride.
 */
final class Strided {
    final int[] shape;
    final long[] sa;
    final long[] sb;
    final long offA;
    final long offB;
    final long numel;

    /** {@code b} may be null for one-operand walks. */
    Strided(View a, View b) {
        int rank = a.shape().length;
        int[] sh = new int[Math.max(rank, 1)];
        long[] xa = new long[sh.length];
        long[] xb = new long[sh.length];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            int n = a.shape()[d];
            if (n == 1) continue;
            long s1 = a.strides()[d];
            long s2 = b == null ? 0 : b.strides()[d];
            if (r > 0 && xa[r - 1] == s1 * n && xb[r - 1] == s2 * n) {
                sh[r - 1] *= n;
                xa[r - 1] = s1;
                xb[r - 1] = s2;
            } else {
                sh[r] = n;
                xa[r] = s1;
                xb[r] = s2;
                r++;
            }
        }
        if (r == 0) {
            sh[0] = 1;
            r = 1;
        }
        this.shape = java.util.Arrays.copyOf(sh, r);
        this.sa = java.util.Arrays.copyOf(xa, r);
        this.sb = java.util.Arrays.copyOf(xb, r);
        this.offA = a.offset();
        this.offB = b == null ? 0 : b.offset();
        this.numel = a.numel();
    }

    @FunctionalInterface
    interface RowBody {
        /** {@code len} elements: output from {@code pos}, a from {@code ia} step {@code da}, b from {@code ib} step {@code db}. */
        void run(int pos, int ia, int da, int ib, int db, int len);
    }

    int innerStrideA() {
        return (int) sa[sa.length - 1];
    }

    int innerStrideB() {
        return (int) sb[sb.length - 1];
    }

    /** Calls {@code body} for every row segment covering output positions [start, end). */
    void rows(long start, long end, RowBody body) {
        int rank = shape.length;
        int inner = shape[rank - 1];
        int da = (int) sa[rank - 1];
        int db = (int) sb[rank - 1];
        long[] idx = new long[rank];
        long rem = start;
        for (int d = rank - 1; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        long pos = start;
        while (pos < end) {
            long ia = offA;
            long ib = offB;
            for (int d = 0; d < rank; d++) {
                ia += idx[d] * sa[d];
                ib += idx[d] * sb[d];
            }
            // Ints: C2 makes their min a branch-free MinI. The long min was a branch, one side of which the warm-up's
            // one-chunk rows never took; the first row a chunk's end cut in a run deoptimized this method.
            int len = Math.min(inner - (int) idx[rank - 1], (int) (end - pos));
            body.run((int) pos, (int) ia, da, (int) ib, db, len);
            pos += len;
            idx[rank - 1] += len;
            for (int d = rank - 1; d > 0 && idx[d] >= shape[d]; d--) {
                idx[d] = 0;
                idx[d - 1]++;
            }
        }
    }
}

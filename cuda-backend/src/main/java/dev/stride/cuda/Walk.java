package dev.stride.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The kernels' {@code Walk} descriptor (kernels/src/main/cuda/stride.cuh), packed byte for byte: a row-major walk
 * over a shape reading two operands with their own strides. Dimensions of size 1 are dropped and neighbours that
 * are contiguous in both operands merged, as {@code dev.stride.cpu.Strided} does, so most walks have rank 1 or 2.
 */
final class Walk {
    static final int MAX_RANK = 8;
    static final int BYTES = 192;

    private Walk() {}

    /** The walk over {@code shape} with operand strides {@code a} and {@code b} (null: no second operand). */
    static byte[] of(int[] shape, long[] a, long offA, long[] b, long offB) {
        int[] sh = new int[shape.length];
        long[] sa = new long[shape.length];
        long[] sb = new long[shape.length];
        int r = 0;
        long numel = 1;
        for (int d = 0; d < shape.length; d++) {
            numel *= shape[d];
            if (shape[d] == 1) continue;
            long bd = b == null ? 0 : b[d];
            if (r > 0 && sa[r - 1] == a[d] * shape[d] && sb[r - 1] == bd * shape[d]) {
                sh[r - 1] *= shape[d];
                sa[r - 1] = a[d];
                sb[r - 1] = bd;
            } else {
                sh[r] = shape[d];
                sa[r] = a[d];
                sb[r] = bd;
                r++;
            }
        }
        if (r > MAX_RANK) {
            throw new IllegalArgumentException("cuda: a view of shape " + Arrays.toString(shape) + " has " + r
                    + " dimensions that do not merge; the kernels walk at most " + MAX_RANK);
        }
        ByteBuffer buf = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(0, r);
        for (int d = 0; d < r; d++) {
            buf.putInt(4 + 4 * d, sh[d]);
            buf.putLong(40 + 8 * d, sa[d]);
            buf.putLong(104 + 8 * d, sb[d]);
        }
        buf.putLong(168, offA);
        buf.putLong(176, offB);
        buf.putLong(184, numel);
        return buf.array();
    }

    /** Two walks back to back, as the reduce kernel's {@code ReduceWalk}. */
    static byte[] pair(byte[] first, byte[] second) {
        byte[] out = Arrays.copyOf(first, 2 * BYTES);
        System.arraycopy(second, 0, out, BYTES, BYTES);
        return out;
    }
}

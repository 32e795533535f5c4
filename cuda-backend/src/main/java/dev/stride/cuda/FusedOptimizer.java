package dev.stride.cuda;

import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Lays out one {@link Update} for the {@code optim_step} kernel (kernels/src/main/cuda/optim.cu): the rule's code,
 * flags and float constants (rounded on the host exactly as {@link Update#reference} rounds them), the tensor table
 * and the block table, so that one launch updates every parameter.
 */
final class FusedOptimizer {
    /** Elements one block updates. */
    static final int CHUNK = 4096;
    static final int STEP_BYTES = 64;
    static final int TENSOR_BYTES = 48;

    private FusedOptimizer() {}

    /** The kernel's {@code OptimStep} struct; flags carry which state slots the rule reads and writes. */
    static byte[] step(Update rule) {
        ByteBuffer b = ByteBuffer.allocate(STEP_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int code;
        int flags;
        int reads = 3;
        int writes = 3;
        float[] c;
        if (rule instanceof Update.Sgd u) {
            code = 0;
            flags = (u.momentum() != 0 ? 1 : 0) | (u.nesterov() ? 2 : 0) | (u.firstStep() ? 4 : 0);
            reads = u.momentum() != 0 && !u.firstStep() ? 1 : 0;
            writes = u.momentum() != 0 ? 1 : 0;
            c = new float[] {u.lr(), u.momentum(), 1 - u.dampening(), u.weightDecay()};
        } else if (rule instanceof Update.Adagrad u) {
            code = 1;
            flags = 0;
            reads = writes = 1;
            c = new float[] {u.clr(), u.eps(), u.weightDecay()};
        } else if (rule instanceof Update.RmsProp u) {
            code = 2;
            flags = (u.centered() ? 1 : 0) | (u.momentum() > 0 ? 2 : 0);
            reads = writes = 1 | (u.momentum() > 0 ? 2 : 0) | (u.centered() ? 4 : 0);
            c = new float[] {u.lr(), u.alpha(), 1 - u.alpha(), u.eps(), u.weightDecay(), u.momentum()};
        } else if (rule instanceof Update.Adam u) {
            code = 3;
            flags = (u.decoupled() ? 1 : 0) | (u.amsgrad() ? 2 : 0);
            reads = writes = u.amsgrad() ? 7 : 3;
            c = new float[] {u.beta1(), 1 - u.beta1(), u.beta2(), 1 - u.beta2(), u.eps(), u.weightDecay(),
                1 - u.lr() * u.weightDecay(), (float) Math.sqrt(u.bc2()), (float) (u.lr() / u.bc1())};
        } else if (rule instanceof Update.Adamax u) {
            code = 4;
            flags = 0;
            c = new float[] {u.beta1(), 1 - u.beta1(), u.beta2(), u.eps(), u.weightDecay(), (float) (u.lr() / u.bc1())};
        } else if (rule instanceof Update.Nadam u) {
            code = 5;
            flags = 0;
            c = new float[] {u.beta1(), 1 - u.beta1(), u.beta2(), 1 - u.beta2(), u.eps(), u.weightDecay(), (float) u.bc2(),
                (float) u.gradCoef(), (float) u.momCoef()};
        } else if (rule instanceof Update.Adadelta u) {
            code = 6;
            flags = 0;
            c = new float[] {u.lr(), u.rho(), 1 - u.rho(), u.eps(), u.weightDecay()};
        } else if (rule instanceof Update.RAdam u) {
            code = 7;
            flags = (u.decoupled() ? 1 : 0) | (Double.isNaN(u.rect()) ? 0 : 2);
            c = new float[] {u.lr(), u.beta1(), 1 - u.beta1(), u.beta2(), 1 - u.beta2(), u.eps(), u.weightDecay(),
                1 - u.lr() * u.weightDecay(), (float) u.bc1(), (float) Math.sqrt(u.bc2()), (float) (u.lr() * u.rect())};
        } else {
            throw new IllegalArgumentException("cuda: no fused kernel for " + rule);
        }
        b.putInt(0, code);
        b.putInt(4, flags | reads << 8 | writes << 12);
        for (int i = 0; i < c.length; i++) b.putFloat(8 + 4 * i, c[i]);
        return b.array();
    }

    /** The {@code OptimTensor} table: parameter, gradient, up to three state buffers (0 when absent), length. */
    static long[] tensors(List<Storage> params, List<Storage> grads, List<Storage[]> state, java.util.function.ToLongFunction<Storage> address) {
        long[] t = new long[params.size() * 6];
        for (int i = 0; i < params.size(); i++) {
            t[6 * i] = address.applyAsLong(params.get(i));
            t[6 * i + 1] = address.applyAsLong(grads.get(i));
            Storage[] s = state.get(i);
            for (int k = 0; k < 3; k++) t[6 * i + 2 + k] = k < s.length ? address.applyAsLong(s[k]) : 0;
            t[6 * i + 5] = params.get(i).numel();
        }
        return t;
    }

    /** Block b updates chunk {@code chunks[b]} of tensor {@code tensors[b]}. */
    static int[][] blocks(List<Storage> params) {
        int total = 0;
        for (Storage p : params) total += (int) ((p.numel() + CHUNK - 1) / CHUNK);
        int[] tensor = new int[total];
        int[] chunk = new int[total];
        int b = 0;
        for (int i = 0; i < params.size(); i++) {
            long n = params.get(i).numel();
            for (int k = 0; (long) k * CHUNK < n; k++) {
                tensor[b] = i;
                chunk[b++] = k;
            }
        }
        return new int[][] {tensor, chunk};
    }
}

package dev.stride.backend;

import dev.stride.autograd.NoGrad;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import java.util.List;

/**
 * The Backend SPI. A backend implements a small set of primitives over {@link Storage} and {@link View}s;
 * the fused ops below have composite defaults built from those primitives, which a backend overrides
 * for speed. Every method takes whole buffers: nothing crosses the SPI per element.
 * Outputs are contiguous and never alias inputs unless a method says so.
 */
public interface Backend {
    String name();

    /** A zero-filled buffer. */
    Storage allocate(DType dtype, long numel);

    void write(Storage dst, long dstOffset, float[] src, int srcOffset, int n);

    void write(Storage dst, long dstOffset, int[] src, int srcOffset, int n);

    void read(Storage src, long srcOffset, float[] dst, int dstOffset, int n);

    void read(Storage src, long srcOffset, int[] dst, int dstOffset, int n);

    void fill(Storage dst, long offset, long n, float value);

    /** Copies {@code src} into {@code dst} element by element: same shape and dtype, no overlap. Either may be strided. */
    void copy(View src, View dst);

    void unary(UnaryOp op, View x, Storage out);

    /** {@code a} and {@code b} have the output's shape already (broadcast dimensions have stride 0). */
    void binary(BinaryOp op, View a, View b, Storage out);

    /**
     * Reduces {@code x} over {@code axes} (sorted, distinct); {@code out} holds x's shape without those axes.
     * {@link ReduceOp#ARGMAX} takes exactly one axis and writes I32.
     */
    void reduce(ReduceOp op, View x, int[] axes, Storage out);

    void gemm(Gemm g);

    /** {@code out[r] = x[r, index[r]]} for a contiguous {@code rows × cols} x; an index outside [0, cols) is an error. */
    void gather(Storage x, Storage index, Storage out, int rows, int cols);

    /** {@code out[r, index[r]] += src[r]} for a contiguous {@code rows × cols} out. */
    void scatterAdd(Storage src, Storage index, Storage out, int rows, int cols);

    /**
     * Fills {@code out[0..n)} from {@code dist}: element i uses Philox4x32-10 keyed by {@code seed} with counter
     * (i/4 or i/2, {@code offset}); see {@link dev.stride.random.Philox}. The caller advances its offset by
     * {@link Distribution#counters(long)}.
     */
    void random(Distribution dist, long seed, long offset, float a, float b, Storage out, long n);

    /** Waits for queued work; a no-op for synchronous backends. */
    default void synchronize() {}

    // ---- fused ops: composite defaults, overridden for speed ----

    /**
     * Row-wise softmax cross-entropy on logits: {@code probs[r] = softmax(logits[r])},
     * {@code loss[r] = -log probs[r, labels[r]]}, for {@code rows × cols} logits.
     */
    default void softmaxCrossEntropy(View logits, Storage labels, Storage loss, Storage probs) {
        try (NoGrad ignored = NoGrad.enter()) {
            int rows = logits.shape()[0];
            Tensor x = Tensor.fromView(logits);
            Tensor logp = x.logSoftmax(1);
            logp.exp().copyTo(probs);
            logp.gatherRows(Tensor.wrap(labels, DType.I32, rows)).neg().copyTo(loss);
        }
    }

    /** {@code gradLogits[r] = gradLoss[r] * (probs[r] - onehot(labels[r]))}. */
    default void softmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gradLoss, Storage gradLogits,
                                             int rows, int cols) {
        try (NoGrad ignored = NoGrad.enter()) {
            Storage onehot = allocate(DType.F32, (long) rows * cols);
            Storage ones = allocate(DType.F32, rows);
            fill(ones, 0, rows, 1f);
            scatterAdd(ones, labels, onehot, rows, cols);
            Tensor p = Tensor.wrap(probs, DType.F32, rows, cols);
            Tensor y = Tensor.wrap(onehot, DType.F32, rows, cols);
            Tensor g = Tensor.wrap(gradLoss, DType.F32, rows, 1);
            p.sub(y).mul(g).copyTo(gradLogits);
        }
    }

    /**
     * One Adam/AdamW step over every parameter at once: {@code params[i]} is updated in place from
     * {@code grads[i]}, and the moment buffers {@code m[i]}, {@code v[i]} are updated in place.
     */
    default void adamStep(List<Storage> params, List<Storage> grads, List<Storage> m, List<Storage> v, AdamStep h) {
        try (NoGrad ignored = NoGrad.enter()) {
            float stepSize = (float) (h.lr() / h.biasCorrection1());
            float sqrtBc2 = (float) Math.sqrt(h.biasCorrection2());
            for (int i = 0; i < params.size(); i++) {
                int n = (int) params.get(i).numel();
                Tensor p = Tensor.wrap(params.get(i), DType.F32, n);
                Tensor g = Tensor.wrap(grads.get(i), DType.F32, n);
                Tensor mi = Tensor.wrap(m.get(i), DType.F32, n);
                Tensor vi = Tensor.wrap(v.get(i), DType.F32, n);
                if (h.weightDecay() != 0 && h.decoupled()) p = p.mul(1 - h.lr() * h.weightDecay());
                if (h.weightDecay() != 0 && !h.decoupled()) g = g.add(p.mul(h.weightDecay()));
                Tensor m2 = mi.mul(h.beta1()).add(g.mul(1 - h.beta1()));
                Tensor v2 = vi.mul(h.beta2()).add(g.square().mul(1 - h.beta2()));
                Tensor denom = v2.sqrt().div(sqrtBc2).add(h.eps());
                Tensor p2 = p.sub(m2.div(denom).mul(stepSize));
                m2.copyTo(m.get(i));
                v2.copyTo(v.get(i));
                p2.copyTo(params.get(i));
            }
        }
    }

    /** One SGD step over every parameter; {@code momentum.get(i)} is ignored when {@code h.momentum() == 0}. */
    default void sgdStep(List<Storage> params, List<Storage> grads, List<Storage> momentum, SgdStep h) {
        try (NoGrad ignored = NoGrad.enter()) {
            for (int i = 0; i < params.size(); i++) {
                int n = (int) params.get(i).numel();
                Tensor p = Tensor.wrap(params.get(i), DType.F32, n);
                Tensor g = Tensor.wrap(grads.get(i), DType.F32, n);
                if (h.weightDecay() != 0) g = g.add(p.mul(h.weightDecay()));
                if (h.momentum() != 0) {
                    Tensor buf = Tensor.wrap(momentum.get(i), DType.F32, n);
                    Tensor b2 = h.firstStep() ? g : buf.mul(h.momentum()).add(g.mul(1 - h.dampening()));
                    b2.copyTo(momentum.get(i));
                    g = h.nesterov() ? g.add(b2.mul(h.momentum())) : b2;
                }
                p.sub(g.mul(h.lr())).copyTo(params.get(i));
            }
        }
    }
}

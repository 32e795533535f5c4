package dev.stride.backend;

import dev.stride.autograd.NoGrad;
import dev.stride.tensor.DType;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;
import java.util.List;

/**
 * The Backend SPI. A backend implements a small set of primitives over {@link Storage} and {@link View}s;
 * the fused ops below have composite defaults built from those primitives, which a backend overrides
 * for speed. Every method takes whole buffers: nothing crosses the SPI per element.
 * Outputs are contiguous and never alias inputs unless a method says so.
 *
 * <h2>Memory</h2>
 * {@link #allocate} returns a storage with one reference, owned by the caller (see {@link Storage} and
 * {@link MemoryScope}). A backend frees what it allocates for itself inside a call before the call returns, or
 * hands it to a later call that frees it; it never relies on the garbage collector for device memory.
 *
 * <h2>Asynchronous backends</h2>
 * A GPU backend may return from every call except {@link #read} and {@link #synchronize} before the work is done:
 * calls are queued in order on one stream, so a later call sees the results of earlier ones. {@link #read}
 * synchronizes (it is the host sync; core does at most one per training step). {@link #write} copies its source
 * before it returns, so the caller may reuse the array. An error the device finds while running queued work (an
 * index out of range in {@link #gather}) is reported by the next synchronizing call, as an exception naming the op
 * that failed. A storage may be released while work that uses it is still queued: the backend keeps its memory
 * until that work is done.
 *
 * <h2>Threads</h2>
 * A backend is called from one thread at a time unless {@link #threadSafe()} says otherwise; the data loader's
 * prefetch thread therefore prepares host arrays only, and batches reach the backend on the training thread.
 */
public interface Backend {
    String name();

    /** Whether several threads may call this backend at once (the CPU backend may; a GPU backend may not). */
    default boolean threadSafe() {
        return false;
    }

    /** A zero-filled buffer with one reference, owned by the caller. */
    Storage allocate(DType dtype, long numel);

    void write(Storage dst, long dstOffset, float[] src, int srcOffset, int n);

    void write(Storage dst, long dstOffset, int[] src, int srcOffset, int n);

    void read(Storage src, long srcOffset, float[] dst, int dstOffset, int n);

    void read(Storage src, long srcOffset, int[] dst, int dstOffset, int n);

    void fill(Storage dst, long offset, long n, float value);

    /**
     * Copies {@code src} into {@code dst} element by element: same shape, no overlap; either may be strided.
     * When the dtypes differ the values convert: I32 to F32 rounds to nearest, F32 to I32 truncates toward zero
     * as a Java cast does (NaN to 0, out of range to the nearest bound).
     */
    void copy(View src, View dst);

    void unary(UnaryOp op, View x, Storage out);

    /** {@code a} and {@code b} have the output's shape already (broadcast dimensions have stride 0). */
    void binary(BinaryOp op, View a, View b, Storage out);

    /** {@code out = op(a, b)} for a scalar {@code b}: a value, not a buffer (a GPU passes it as a kernel argument). */
    default void binary(BinaryOp op, View a, float b, Storage out) {
        try (Storage s = allocate(DType.F32, 1)) {
            fill(s, 0, 1, b);
            binary(op, a, new View(s, 0, a.shape(), new long[a.rank()]), out);
        }
    }

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

    /**
     * Returns once work the backend started in the background at creation has finished (the CPU backend's JIT
     * warm-up); the trainer calls it before its first step, so that such work overlaps loading the data but never
     * competes with the steps for cores. A no-op elsewhere.
     */
    default void ready() {}

    /**
     * A hint that the coming steps do (or do not) use convolution, pooling, batch normalization or dropout, so
     * that what {@link #ready()} waits for can skip preparing ops that will not run (the CPU backend's warm-up of
     * them cost a 5-epoch MLP run 0.6–0.8 s). Every op works whatever was said; a no-op elsewhere.
     */
    default void expect(boolean spatialOps) {}

    // ---- fused ops: composite defaults, overridden for speed ----

    /**
     * Row-wise softmax cross-entropy on logits: {@code probs[r] = softmax(logits[r])},
     * {@code loss[r] = -log probs[r, labels[r]]}, for {@code rows × cols} logits.
     */
    default void softmaxCrossEntropy(View logits, Storage labels, Storage loss, Storage probs) {
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
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
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
            Storage onehot = scope.track(allocate(DType.F32, (long) rows * cols));
            Storage ones = scope.track(allocate(DType.F32, rows));
            fill(ones, 0, rows, 1f);
            scatterAdd(ones, labels, onehot, rows, cols);
            Tensor p = Tensor.wrap(probs, DType.F32, rows, cols);
            Tensor y = Tensor.wrap(onehot, DType.F32, rows, cols);
            Tensor g = Tensor.wrap(gradLoss, DType.F32, rows, 1);
            p.sub(y).mul(g).copyTo(gradLogits);
        }
    }

    /**
     * One optimizer step over every parameter at once: {@code params[i]} and its state buffers {@code state[i]}
     * ({@link Update#slots()} of them) are updated in place from {@code grads[i]}. A GPU backend launches one
     * multi-tensor kernel; the default runs {@link Update#reference} per parameter.
     */
    default void optimizerStep(Update rule, List<Storage> params, List<Storage> grads, List<Storage[]> state) {
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
            for (int i = 0; i < params.size(); i++) {
                int n = (int) params.get(i).numel();
                Storage[] slots = state.get(i);
                Tensor[] s = new Tensor[slots.length];
                for (int k = 0; k < s.length; k++) s[k] = Tensor.wrap(slots[k], DType.F32, n);
                rule.reference(Tensor.wrap(params.get(i), DType.F32, n), Tensor.wrap(grads.get(i), DType.F32, n), s);
            }
        }
    }

    /**
     * Unfolds {@code x [N, C, H, W]} (any strides) into contiguous {@code cols [N, C, kh, kw, outH, outW]}:
     * the input element each window position reads, {@code padValue} where it falls in the padding.
     */
    default void im2col(View x, Window g, float padValue, Storage cols) {
        Composites.im2col(this, x, g, padValue, cols);
    }

    /** The adjoint of {@link #im2col}: sums every column entry back onto its input position in contiguous {@code dx}. */
    default void col2im(Storage cols, Window g, Storage dx) {
        Composites.col2im(this, cols, g, dx);
    }

    /**
     * Convolution (cross-correlation, one group, no bias) of {@code x [N, C, H, W]} with contiguous
     * {@code w [cout, C·kh·kw]} into contiguous {@code y [N, cout, outH, outW]}.
     */
    default void conv2d(View x, Storage w, Window g, int cout, Storage y) {
        Composites.conv2d(this, x, w, g, cout, y);
    }

    /** The input gradient of {@link #conv2d}: contiguous {@code dx [N, C, H, W]} from contiguous {@code dy}. */
    default void conv2dBackwardData(Storage dy, Storage w, Window g, int cout, Storage dx) {
        Composites.conv2dBackwardData(this, dy, w, g, cout, dx);
    }

    /** The weight gradient of {@link #conv2d}: {@code dw [cout, C·kh·kw]}, summed over the batch, overwritten. */
    default void conv2dBackwardWeight(View x, Storage dy, Window g, int cout, Storage dw) {
        Composites.conv2dBackwardWeight(this, x, dy, g, cout, dw);
    }

    /**
     * Max pooling: {@code out [N, C, outH, outW]} and, per output, the I32 index in [0, kh·kw) of the window
     * element that won (the first maximum; padding never wins).
     */
    default void maxPool2d(View x, Window g, Storage out, Storage indices) {
        Composites.maxPool2d(this, x, g, out, indices);
    }

    /** Routes each {@code dy} element to the input position its {@code indices} entry names; writes contiguous dx. */
    default void maxPool2dBackward(Storage dy, Storage indices, Window g, Storage dx) {
        Composites.maxPool2dBackward(this, dy, indices, g, dx);
    }

    /**
     * Batch normalization of contiguous {@code x [N, C, S]} per channel. Training: batch mean and biased variance
     * normalize, the running statistics move by {@code momentum} (variance unbiased, ·M/(M-1) with M = N·S), and
     * {@code saveMean}/{@code saveInvStd} receive the batch mean and 1/sqrt(var + eps). Evaluation: the running
     * statistics normalize and are saved instead. {@code out = (x - mean)·invStd·gamma + beta}.
     */
    default void batchNorm(View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, boolean training,
                           float momentum, float eps, Storage out, Storage saveMean, Storage saveInvStd) {
        Composites.batchNorm(this, x, gamma, beta, runningMean, runningVar, training, momentum, eps, out, saveMean, saveInvStd);
    }

    /**
     * Gradients of {@link #batchNorm}: with {@code xhat = (x - mean)·invStd}, {@code dbeta = Σdy},
     * {@code dgamma = Σdy·xhat}; training {@code dx = gamma·invStd·(dy - mean(dy) - xhat·mean(dy·xhat))},
     * evaluation {@code dx = gamma·invStd·dy}.
     */
    default void batchNormBackward(View x, Storage dy, Storage gamma, Storage saveMean, Storage saveInvStd, boolean training,
                                   Storage dx, Storage dgamma, Storage dbeta) {
        Composites.batchNormBackward(this, x, dy, gamma, saveMean, saveInvStd, training, dx, dgamma, dbeta);
    }

    /**
     * {@link #batchNorm} followed by ReLU, {@code out = max(bn(x), 0)}: a fused backend makes one pass over the
     * activation where the two ops make two, and the ReLU's output is never a separate tensor.
     */
    default void batchNormRelu(View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, boolean training,
                               float momentum, float eps, Storage out, Storage saveMean, Storage saveInvStd) {
        try (Storage normalized = allocate(DType.F32, x.numel())) {
            batchNorm(x, gamma, beta, runningMean, runningVar, training, momentum, eps, normalized, saveMean, saveInvStd);
            unary(UnaryOp.RELU, View.contiguous(normalized, x.shape()), out);
        }
    }

    /**
     * Gradients of {@link #batchNormRelu} from its output {@code y}: those of {@link #batchNormBackward} for
     * {@code dy · STEP(y)}, ReLU's gradient taken from its output as PyTorch's {@code threshold_backward} does. A
     * backend may instead recompute the step from {@code x}, {@code gamma}, {@code beta} and the saved statistics,
     * as its forward pass computed {@code y} (the same bits), and never read {@code y}.
     */
    default void batchNormReluBackward(View x, Storage y, Storage dy, Storage gamma, Storage beta, Storage saveMean,
                                       Storage saveInvStd, boolean training, Storage dx, Storage dgamma, Storage dbeta) {
        try (Storage g = allocate(DType.F32, x.numel())) {
            reluBackward(View.contiguous(dy, x.shape()), View.contiguous(y, x.shape()), g);
            batchNormBackward(x, g, gamma, saveMean, saveInvStd, training, dx, dgamma, dbeta);
        }
    }

    /**
     * ReLU's gradient, {@code dx = dy · STEP(x)} for {@code dy} and {@code x} of one shape: a fused backend reads
     * both once, where the composite writes the mask and reads it back.
     */
    default void reluBackward(View dy, View x, Storage dx) {
        try (Storage mask = allocate(DType.F32, x.numel())) {
            unary(UnaryOp.STEP, x, mask);
            binary(BinaryOp.MUL, dy, View.contiguous(mask, x.shape()), dx);
        }
    }

    /**
     * Inverted dropout: {@code out = x · KEEP_MASK(seed, offset, p)}, so an element survives when its Philox word is
     * {@code >= floor(p·2^32)} and is scaled by 1/(1-p). The backward pass is the same call on {@code dy}.
     */
    default void dropout(View x, float p, long seed, long offset, Storage out) {
        try (Storage mask = allocate(DType.F32, x.numel())) {
            random(Distribution.KEEP_MASK, seed, offset, 1 / (1 - p), p, mask, x.numel());
            binary(BinaryOp.MUL, x, View.contiguous(mask, x.shape()), out);
        }
    }
}

package dev.stride.loss;

import dev.stride.autograd.Autograd;
import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.tensor.DType;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Loss functions with PyTorch's definitions; the two-argument forms reduce by the mean. Elementwise losses
 * take same-shaped prediction and target; classification losses take {@code [N, C]} scores.
 */
public final class Loss {
    private Loss() {}

    private static void sameShape(String loss, Tensor p, Tensor t) {
        if (!Arrays.equals(p.shape(), t.shape())) {
            throw new IllegalArgumentException(loss + ": prediction " + Shape.str(p.shape()) + " and target "
                    + Shape.str(t.shape()) + " differ in shape");
        }
    }

    private static void labels(String loss, Tensor scores, Tensor labels) {
        if (scores.rank() != 2 || labels.rank() != 1 || labels.dim(0) != scores.dim(0) || labels.dtype() != DType.I32) {
            throw new IllegalArgumentException(loss + ": expects scores [N, C] and I32 labels [N], got "
                    + Shape.str(scores.shape()) + " and " + Shape.str(labels.shape()) + " " + labels.dtype());
        }
    }

    // ---- classification ----

    /** Softmax cross-entropy on logits {@code [N, C]} with integer labels; the backend's fused op. */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return crossEntropy(logits, labels, 0f, Reduction.MEAN);
    }

    /**
     * Cross-entropy with integer labels and optional label smoothing ε: the target puts 1-ε+ε/C on the label and
     * ε/C elsewhere, i.e. {@code (1-ε)·CE + ε·mean_c(-log p_c)}.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, float smoothing, Reduction reduction) {
        labels("crossEntropy", logits, labels);
        checkSmoothing(smoothing);
        Tensor perSample = fusedCrossEntropy(logits, labels);
        if (smoothing > 0) {
            Tensor uniform = logits.logSoftmax(1).mean(1, false).neg();
            perSample = perSample.mul(1 - smoothing).add(uniform.mul(smoothing));
        }
        return reduction.apply(perSample);
    }

    private static void checkSmoothing(float smoothing) {
        if (!(smoothing >= 0 && smoothing <= 1)) throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + smoothing);
    }

    private static Tensor fusedCrossEntropy(Tensor logits, Tensor labels) {
        int rows = logits.dim(0);
        int cols = logits.dim(1);
        Backend be = logits.backend();
        Tensor y = labels.contiguous();
        Tensor loss = Tensor.empty(be, DType.F32, rows);
        Tensor probs = Tensor.empty(be, DType.F32, rows, cols);
        be.softmaxCrossEntropy(logits.view(), y.storage(), loss.storage(), probs.storage());
        return Autograd.record("crossEntropy", loss, g -> {
            Tensor grad = Tensor.empty(be, DType.F32, rows, cols);
            be.softmaxCrossEntropyBackward(probs.storage(), y.storage(), g.contiguous().storage(), grad.storage(), rows, cols);
            return new Tensor[] {grad};
        }, logits);
    }

    /** Cross-entropy against one-hot or probability targets {@code [N, C]}: {@code -Σ_c t_c log softmax(x)_c}. */
    public static Tensor crossEntropySoft(Tensor logits, Tensor targets, float smoothing, Reduction reduction) {
        sameShape("crossEntropySoft", logits, targets);
        checkSmoothing(smoothing);
        if (logits.rank() != 2) throw new IllegalArgumentException("crossEntropySoft: expects [N, C], got " + Shape.str(logits.shape()));
        Tensor t = smoothing > 0 ? targets.mul(1 - smoothing).add(smoothing / logits.dim(1)) : targets;
        return reduction.apply(t.mul(logits.logSoftmax(1)).sum(1, false).neg());
    }

    /**
     * Binary cross-entropy on logits, stable form {@code max(x,0) - x·y + log(1 + e^-|x|)}, with the gradient stated:
     * {@code sigmoid(x) - y} for the logits and {@code -x} for the targets (composing it from the stable form's
     * |x| and ReLU masks would give {@code -y} at x = 0).
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Reduction reduction) {
        sameShape("binaryCrossEntropyWithLogits", logits, targets);
        Tensor perElement;
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor softplus = logits.abs().neg().exp().add(1f).log();
            perElement = logits.relu().sub(logits.mul(targets)).add(softplus);
        }
        perElement = Autograd.record("binaryCrossEntropyWithLogits", perElement,
                g -> new Tensor[] {g.mul(logits.sigmoid().sub(targets)), g.mul(logits).neg()}, logits, targets);
        return reduction.apply(perElement);
    }

    /** Binary cross-entropy on probabilities; each log is clamped at -100 as PyTorch does. */
    public static Tensor binaryCrossEntropy(Tensor probs, Tensor targets, Reduction reduction) {
        sameShape("binaryCrossEntropy", probs, targets);
        Tensor logP = probs.log().clamp(-100f, 0f);
        Tensor log1mP = probs.rsub(1f).log().clamp(-100f, 0f);
        return reduction.apply(targets.mul(logP).add(targets.rsub(1f).mul(log1mP)).neg());
    }

    /** Binary hinge with targets in {-1, +1}: {@code max(0, 1 - y·x)}. */
    public static Tensor hinge(Tensor scores, Tensor targets, Reduction reduction) {
        sameShape("hinge", scores, targets);
        return reduction.apply(scores.mul(targets).rsub(1f).relu());
    }

    /** {@code max(0, 1 - y·x)²}. */
    public static Tensor squaredHinge(Tensor scores, Tensor targets, Reduction reduction) {
        sameShape("squaredHinge", scores, targets);
        return reduction.apply(scores.mul(targets).rsub(1f).relu().square());
    }

    /**
     * Multi-class SVM hinge ({@code torch.nn.MultiMarginLoss}): {@code Σ_{j≠y} max(0, margin - x_y + x_j) / C}
     * per sample.
     */
    public static Tensor multiClassHinge(Tensor scores, Tensor labels, float margin, Reduction reduction) {
        labels("multiClassHinge", scores, labels);
        if (!(margin > 0)) throw new IllegalArgumentException("multiClassHinge: margin must be > 0, got " + margin);
        int c = scores.dim(1);
        Tensor xy = scores.gatherRows(labels).reshape(scores.dim(0), 1);
        // The j = y term is max(0, margin) = margin; subtract it instead of masking.
        Tensor perSample = scores.sub(xy).add(margin).relu().sum(1, false).sub(margin).div((float) c);
        return reduction.apply(perSample);
    }

    // ---- regression and distributions ----

    public static Tensor mse(Tensor prediction, Tensor target) {
        return mse(prediction, target, Reduction.MEAN);
    }

    public static Tensor mse(Tensor prediction, Tensor target, Reduction reduction) {
        sameShape("mse", prediction, target);
        return reduction.apply(prediction.sub(target).square());
    }

    /** Mean absolute error {@code |p - t|}. */
    public static Tensor mae(Tensor prediction, Tensor target, Reduction reduction) {
        sameShape("mae", prediction, target);
        return reduction.apply(prediction.sub(target).abs());
    }

    /** Huber: {@code 0.5·d²} where {@code |d| ≤ δ}, else {@code δ·(|d| - 0.5δ)}. */
    public static Tensor huber(Tensor prediction, Tensor target, float delta, Reduction reduction) {
        sameShape("huber", prediction, target);
        if (!(delta > 0)) throw new IllegalArgumentException("huber: delta must be > 0, got " + delta);
        Tensor a = prediction.sub(target).abs();
        Tensor q = a.clamp(0f, delta);
        return reduction.apply(q.square().mul(0.5f).add(a.sub(q).mul(delta)));
    }

    /**
     * KL divergence {@code Σ_c t·(log t - x)} per sample, with {@code x} log-probabilities and {@code t}
     * probabilities ({@code torch.nn.KLDivLoss}); {@code 0·log 0 = 0}. MEAN averages over samples ('batchmean').
     */
    public static Tensor klDivergence(Tensor logProbs, Tensor targets, Reduction reduction) {
        sameShape("klDivergence", logProbs, targets);
        Tensor safeLog = targets.maximum(Tensor.scalar(targets.backend(), Float.MIN_NORMAL)).log();
        Tensor perElement = targets.mul(safeLog.sub(logProbs));
        return reduction.apply(logProbs.rank() > 1 ? perElement.sum(logProbs.rank() - 1, false) : perElement);
    }

    /** Poisson negative log-likelihood with log-rate input: {@code e^x - t·x}. */
    public static Tensor poisson(Tensor logRate, Tensor target, Reduction reduction) {
        sameShape("poisson", logRate, target);
        return reduction.apply(logRate.exp().sub(target.mul(logRate)));
    }

    /** Cosine proximity: {@code -cos(p, t)} along the last axis (Keras' convention: lower is better). */
    public static Tensor cosineProximity(Tensor prediction, Tensor target, Reduction reduction) {
        sameShape("cosineProximity", prediction, target);
        int last = prediction.rank() - 1;
        Tensor dot = prediction.mul(target).sum(last, false);
        Tensor norms = prediction.square().sum(last, false).mul(target.square().sum(last, false)).sqrt().add(1e-8f);
        return reduction.apply(dot.div(norms).neg());
    }

    /** Mean squared logarithmic error {@code (log(1+p) - log(1+t))²}. */
    public static Tensor msle(Tensor prediction, Tensor target, Reduction reduction) {
        sameShape("msle", prediction, target);
        return reduction.apply(prediction.add(1f).log().sub(target.add(1f).log()).square());
    }

    /** Mean absolute percentage error {@code 100·|t - p| / max(|t|, 1e-7)}. */
    public static Tensor mape(Tensor prediction, Tensor target, Reduction reduction) {
        sameShape("mape", prediction, target);
        Tensor denom = target.abs().maximum(Tensor.scalar(target.backend(), 1e-7f));
        return reduction.apply(target.sub(prediction).abs().div(denom).mul(100f));
    }

    // ---- penalties ----

    /** {@code λ·Σ|w|} over the given parameters. */
    public static Tensor l1(List<Tensor> params, float lambda) {
        Tensor sum = null;
        for (Tensor p : params) sum = sum == null ? p.abs().sum() : sum.add(p.abs().sum());
        return sum == null ? Tensor.scalar(dev.stride.backend.Backends.defaultBackend(), 0f) : sum.mul(lambda);
    }

    /** {@code λ·Σw²} over the given parameters (its gradient is {@code 2λw}). */
    public static Tensor l2(List<Tensor> params, float lambda) {
        Tensor sum = null;
        for (Tensor p : params) sum = sum == null ? p.square().sum() : sum.add(p.square().sum());
        return sum == null ? Tensor.scalar(dev.stride.backend.Backends.defaultBackend(), 0f) : sum.mul(lambda);
    }
}

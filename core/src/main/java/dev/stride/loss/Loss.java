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

    /**
     * {@code torch.nn.functional.cross_entropy} with every option: class {@code weight [C]} (or null), labels equal to
     * {@code ignoreIndex} contribute nothing, and label smoothing ε mixes in {@code ε/C · Σ_c -w_c log p_c}. The
     * mean divides by the summed weights of the labels that count (PyTorch's rule; NaN when every label is ignored).
     * The two shorter forms take the fused path and ignore no label.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, Tensor weight, int ignoreIndex, float smoothing,
                                      Reduction reduction) {
        labels("crossEntropy", logits, labels);
        checkSmoothing(smoothing);
        int n = logits.dim(0);
        int c = logits.dim(1);
        classWeights("crossEntropy", weight, c);
        Tensor valid;
        Tensor safe;
        Tensor sampleWeight;
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor lf = labels.to(DType.F32);
            valid = lf.eq(Tensor.scalar(lf.backend(), ignoreIndex)).rsub(1f);
            safe = lf.mul(valid).to(DType.I32);
            sampleWeight = weight == null ? valid : weight.reshape(1, c).expand(n, c).gatherRows(safe).mul(valid);
        }
        Tensor logp = logits.logSoftmax(1);
        Tensor perSample = logp.gatherRows(safe).mul(sampleWeight).neg();
        if (smoothing > 0) {
            Tensor weighted = weight == null ? logp : logp.mul(weight.reshape(1, c).detach());
            Tensor smooth = weighted.sum(1, false).mul(valid).neg();
            perSample = perSample.mul(1 - smoothing).add(smooth.mul(smoothing / c));
        }
        return reduction == Reduction.MEAN ? perSample.sum().div(sampleWeight.sum()) : reduction.apply(perSample);
    }

    private static void classWeights(String loss, Tensor weight, int classes) {
        if (weight != null && (weight.rank() != 1 || weight.dim(0) != classes)) {
            throw new IllegalArgumentException(loss + ": class weights must have shape [" + classes + "], got "
                    + Shape.str(weight.shape()));
        }
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

    /**
     * {@code binary_cross_entropy_with_logits} with an element {@code weight} and a {@code posWeight} on the positive
     * term, both broadcast against the logits (either may be null): with {@code l = 1 + (posWeight - 1)·y},
     * {@code weight·((1 - y)·x + l·softplus(-x))}. Gradients stated as in the two-argument form:
     * {@code weight·((1 - y) - l·sigmoid(-x))} for the logits.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Tensor weight, Tensor posWeight,
                                                      Reduction reduction) {
        sameShape("binaryCrossEntropyWithLogits", logits, targets);
        if (posWeight == null && weight == null) return binaryCrossEntropyWithLogits(logits, targets, reduction);
        Tensor pw = posWeight == null ? null : posWeight.detach();
        Tensor w = weight == null ? null : weight.detach();
        Tensor perElement;
        Tensor softplusNeg;
        Tensor logWeight;
        try (NoGrad ignored = NoGrad.enter()) {
            softplusNeg = logits.abs().neg().exp().add(1f).log().add(logits.neg().relu());
            logWeight = pw == null ? targets.mul(0f).add(1f) : pw.sub(1f).mul(targets).add(1f);
            perElement = targets.rsub(1f).mul(logits).add(logWeight.mul(softplusNeg));
            if (w != null) perElement = perElement.mul(w);
        }
        perElement = Autograd.record("binaryCrossEntropyWithLogits", perElement, g -> {
            Tensor scale = w == null ? g : g.mul(w);
            Tensor dx = targets.rsub(1f).sub(logWeight.mul(logits.neg().sigmoid())).mul(scale);
            Tensor dy = (pw == null ? logits.neg() : logits.neg().add(pw.sub(1f).mul(softplusNeg))).mul(scale);
            return new Tensor[] {dx, dy};
        }, logits, targets);
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
     * Multi-class SVM hinge, {@link #multiMargin} with p = 1 and no class weights: {@code Σ_{j≠y} max(0, margin -
     * x_y + x_j) / C} per sample.
     */
    public static Tensor multiClassHinge(Tensor scores, Tensor labels, float margin, Reduction reduction) {
        if (!(margin > 0)) throw new IllegalArgumentException("multiClassHinge: margin must be > 0, got " + margin);
        return multiMargin(scores, labels, 1, margin, null, reduction);
    }

    /**
     * {@code torch.nn.MultiMarginLoss}: per sample {@code Σ_{j≠y} w_y·max(0, margin - x_y + x_j)^p / C} with
     * {@code p} 1 or 2 and optional class weights {@code [C]}. The gradient at exactly the margin is 0.
     */
    public static Tensor multiMargin(Tensor scores, Tensor labels, int p, float margin, Tensor weight, Reduction reduction) {
        labels("multiMargin", scores, labels);
        if (p != 1 && p != 2) throw new IllegalArgumentException("multiMargin: p must be 1 or 2, got " + p);
        int n = scores.dim(0);
        int c = scores.dim(1);
        classWeights("multiMargin", weight, c);
        Tensor xy = scores.gatherRows(labels).reshape(n, 1);
        Tensor z = scores.sub(xy).add(margin).relu();
        if (p == 2) z = z.square();
        // The j = y term is max(0, margin)^p with no gradient; subtract it instead of masking.
        float self = (float) Math.pow(Math.max(margin, 0f), p);
        Tensor perSample = z.sum(1, false).sub(self).div((float) c);
        if (weight != null) {
            Tensor w;
            try (NoGrad ignored = NoGrad.enter()) {
                w = weight.reshape(1, c).expand(n, c).gatherRows(labels);
            }
            perSample = perSample.mul(w);
        }
        return reduction.apply(perSample);
    }

    /**
     * {@code torch.nn.HingeEmbeddingLoss}: {@code x} where {@code y = 1}, {@code max(0, margin - x)} where
     * {@code y = -1} (PyTorch adds both terms for any other target value).
     */
    public static Tensor hingeEmbedding(Tensor input, Tensor targets, float margin, Reduction reduction) {
        sameShape("hingeEmbedding", input, targets);
        Tensor notOne;
        Tensor notMinusOne;
        try (NoGrad ignored = NoGrad.enter()) {
            notOne = targets.eq(Tensor.scalar(targets.backend(), 1f)).rsub(1f);
            notMinusOne = targets.eq(Tensor.scalar(targets.backend(), -1f)).rsub(1f);
        }
        Tensor marginTerm = input.rsub(margin).clamp(0f, Float.POSITIVE_INFINITY).mul(notOne);
        return reduction.apply(marginTerm.add(input.mul(notMinusOne)));
    }

    /**
     * {@code torch.nn.CosineEmbeddingLoss} on {@code [N, D]} pairs with targets {@code [N]} of ±1: {@code 1 - cos}
     * where {@code y = 1}, {@code max(0, cos - margin)} where {@code y = -1}; cos uses PyTorch's ε = 1e-12 on each
     * squared norm.
     */
    public static Tensor cosineEmbedding(Tensor a, Tensor b, Tensor targets, float margin, Reduction reduction) {
        sameShape("cosineEmbedding", a, b);
        if (a.rank() != 2 || targets.rank() != 1 || targets.dim(0) != a.dim(0)) {
            throw new IllegalArgumentException("cosineEmbedding: expects inputs [N, D] and targets [N], got "
                    + Shape.str(a.shape()) + " and " + Shape.str(targets.shape()));
        }
        Tensor dot = a.mul(b).sum(1, false);
        Tensor denom = a.square().sum(1, false).add(1e-12f).mul(b.square().sum(1, false).add(1e-12f)).sqrt();
        Tensor cos = dot.div(denom);
        Tensor pos;
        Tensor neg;
        try (NoGrad ignored = NoGrad.enter()) {
            pos = targets.eq(Tensor.scalar(targets.backend(), 1f));
            neg = targets.eq(Tensor.scalar(targets.backend(), -1f));
        }
        Tensor loss = cos.rsub(1f).mul(pos).add(cos.sub(margin).clamp(0f, Float.POSITIVE_INFINITY).mul(neg));
        return reduction.apply(loss);
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
     * {@code torch.nn.KLDivLoss}: per element {@code t·(log t - x)} with {@code x} log-probabilities and {@code t}
     * probabilities ({@code 0·log 0 = 0}). As in PyTorch, {@code MEAN} divides by the number of elements and
     * {@link Reduction#BATCHMEAN} by the batch size, which is the KL divergence per sample.
     */
    public static Tensor klDivergence(Tensor logProbs, Tensor targets, Reduction reduction) {
        return klDivergence(logProbs, targets, false, reduction);
    }

    /** KL divergence with {@code logTarget}: the targets are log-probabilities, per element {@code e^t·(t - x)}. */
    public static Tensor klDivergence(Tensor logProbs, Tensor targets, boolean logTarget, Reduction reduction) {
        sameShape("klDivergence", logProbs, targets);
        if (logTarget) return reduction.apply(targets.exp().mul(targets.sub(logProbs)));
        Tensor safeLog = targets.maximum(Tensor.scalar(targets.backend(), Float.MIN_NORMAL)).log();
        return reduction.apply(targets.mul(safeLog.sub(logProbs)));
    }

    /** Poisson negative log-likelihood with log-rate input, {@code e^x - t·x}: {@link #poissonNll} with its defaults. */
    public static Tensor poisson(Tensor logRate, Tensor target, Reduction reduction) {
        sameShape("poisson", logRate, target);
        return reduction.apply(logRate.exp().sub(target.mul(logRate)));
    }

    /**
     * {@code torch.nn.PoissonNLLLoss}: {@code e^x - t·x} for log-rate input, {@code x - t·log(x + eps)} for rates
     * ({@code logInput = false}); {@code full} adds Stirling's {@code t·log t - t + ½·log(2πt)} where {@code t > 1}.
     */
    public static Tensor poissonNll(Tensor input, Tensor target, boolean logInput, boolean full, float eps,
                                    Reduction reduction) {
        sameShape("poissonNll", input, target);
        Tensor loss = logInput ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(eps).log()));
        if (full) {
            Tensor stirling;
            try (NoGrad ignored = NoGrad.enter()) {
                Tensor t = target.maximum(Tensor.scalar(target.backend(), 1f));
                stirling = t.mul(t.log()).sub(t).add(t.mul((float) (2 * Math.PI)).log().mul(0.5f)).mul(target.gt(1f));
            }
            loss = loss.add(stirling);
        }
        return reduction.apply(loss);
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

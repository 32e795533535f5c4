package dev.stride.optim;

import dev.stride.autograd.NoGrad;
import dev.stride.tensor.Tensor;
import java.util.List;

/** Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. */
public final class Clip {
    private Clip() {}

    /**
     * Scales every gradient by {@code min(1, maxNorm / (norm + 1e-6))}, where norm is the global L2 norm over all of
     * them, and returns that norm (before clipping) as a one-element tensor. Nothing is read back to the host: the
     * factor is applied on the backend, so clipping costs no synchronization (read the norm only when needed).
     */
    public static Tensor gradNorm(List<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGradNorm: max norm must be > 0, got " + maxNorm);
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor norm = sumOfSquares(params).sqrt();
            Tensor coef = norm.add(1e-6f).reciprocal().mul((float) maxNorm).clamp(0f, 1f);
            for (Tensor p : params) {
                if (p.grad() != null) p.setGrad(p.grad().mul(coef).contiguous());
            }
            return norm;
        }
    }

    /** {@code Σ g²} over every gradient, as a one-element tensor on their backend (0 when none has one). */
    public static Tensor sumOfSquares(List<Tensor> params) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor sq = null;
            for (Tensor p : params) {
                if (p.grad() == null) continue;
                Tensor s = p.grad().square().sum();
                sq = sq == null ? s : sq.add(s);
            }
            return sq == null ? Tensor.zeros(params.get(0).backend()) : sq;
        }
    }

    /** Clamps every gradient element into {@code [-clip, clip]}. */
    public static void gradValue(List<Tensor> params, double clip) {
        if (!(clip > 0)) throw new IllegalArgumentException("clipGradValue: clip must be > 0, got " + clip);
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor p : params) {
                if (p.grad() != null) p.setGrad(p.grad().clamp((float) -clip, (float) clip).contiguous());
            }
        }
    }
}

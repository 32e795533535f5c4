package dev.stride.optim;

import dev.stride.autograd.NoGrad;
import dev.stride.tensor.Tensor;
import java.util.List;

/** Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. */
public final class Clip {
    private Clip() {}

    /**
     * Scales every gradient by {@code maxNorm / (norm + 1e-6)} when the global L2 norm over all of them exceeds
     * {@code maxNorm}. Returns the norm before clipping.
     */
    public static double gradNorm(List<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGradNorm: max norm must be > 0, got " + maxNorm);
        try (NoGrad ignored = NoGrad.enter()) {
            double sq = 0;
            for (Tensor p : params) {
                if (p.grad() != null) sq += p.grad().square().sum().item();
            }
            double norm = Math.sqrt(sq);
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1) {
                for (Tensor p : params) {
                    if (p.grad() != null) p.setGrad(p.grad().mul((float) coef).contiguous());
                }
            }
            return norm;
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

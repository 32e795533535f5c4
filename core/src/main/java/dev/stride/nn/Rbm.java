package dev.stride.nn;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.random.Generator;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/**
 * A restricted Boltzmann machine with {@code V} visible and {@code H} hidden units: weight {@code W [V, H]},
 * visible bias {@code b}, hidden bias {@code c}, and the energy {@code E(v,h) = -bᵀv - cᵀh - vᵀWh} (Bernoulli
 * visible units) or {@code ½‖v - b‖² - cᵀh - vᵀWh} (Gaussian visible units of unit variance, for real-valued data).
 * The conditionals factorise: {@code p(h_j=1|v) = σ(c_j + vᵀW_{:,j})}, {@code p(v_i=1|h) = σ(b_i + W_{i,:}h)} (or
 * {@code N(b_i + W_{i,:}h, 1)}). Sampling draws uniforms from a Philox {@link Generator} through the backend, so a
 * seed gives the same chains on every backend. {@link #forward} is {@code p(h|v)}: a trained RBM is a sigmoid layer.
 */
public final class Rbm extends Module {
    /** The visible units' distribution. */
    public enum Visible { BERNOULLI, GAUSSIAN }

    private final int visible;
    private final int hidden;
    private final Visible kind;
    private final Tensor weight;
    private final Tensor visibleBias;
    private final Tensor hiddenBias;

    public Rbm(int visible, int hidden) {
        this(visible, hidden, Visible.BERNOULLI, Backends.defaultBackend(), Generator.global());
    }

    /** Weights from N(0, 0.01²) as Hinton's practical guide advises; both biases zero. */
    public Rbm(int visible, int hidden, Visible kind, Backend backend, Generator gen) {
        if (visible <= 0 || hidden <= 0) {
            throw new IllegalArgumentException("Rbm: unit counts must be positive, got " + visible + " visible, " + hidden + " hidden");
        }
        this.visible = visible;
        this.hidden = hidden;
        this.kind = kind;
        this.weight = registerParameter("weight", Tensor.randn(backend, gen, 0, 0.01f, visible, hidden));
        this.visibleBias = registerParameter("visible_bias", Tensor.zeros(backend, visible));
        this.hiddenBias = registerParameter("hidden_bias", Tensor.zeros(backend, hidden));
    }

    public int visible() {
        return visible;
    }

    public int hidden() {
        return hidden;
    }

    public Visible kind() {
        return kind;
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor visibleBias() {
        return visibleBias;
    }

    public Tensor hiddenBias() {
        return hiddenBias;
    }

    private Tensor rows(String op, Tensor x, int width) {
        Tensor flat = x.rank() == 2 ? x : x.reshape(x.dim(0), (int) (x.numel() / Math.max(1, x.dim(0))));
        if (flat.rank() != 2 || flat.dim(1) != width) {
            throw new IllegalArgumentException("Rbm(" + visible + ", " + hidden + ")." + op + ": expects [N, " + width
                    + "], got " + Shape.str(x.shape()));
        }
        return flat;
    }

    /**
     * Sets the visible biases to {@code log(p_i / (1 - p_i))} of the data's mean {@code p_i} (clamped to [1e-3, 1 - 1e-3]),
     * as Hinton's practical guide advises: the machine with no hidden unit on then already gives the data's marginals,
     * so CD's chains do not settle on a featureless grey.
     */
    public Rbm initVisibleBias(Tensor data) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor p = rows("initVisibleBias", data, visible).mean(0, false).clamp(1e-3f, 1 - 1e-3f);
            p.log().sub(p.rsub(1f).log()).copyTo(visibleBias.storage());
        }
        return this;
    }

    /** {@code p(h=1|v)} for {@code v [N, V]} (or any shape with V values per sample). */
    @Override
    public Tensor forward(Tensor v) {
        return hiddenProbs(v);
    }

    public Tensor hiddenProbs(Tensor v) {
        return rows("hiddenProbs", v, visible).matmul(weight).add(hiddenBias).sigmoid();
    }

    /** {@code p(v=1|h)} for Bernoulli visible units; the Gaussian mean {@code b + Wh} for Gaussian ones. */
    public Tensor visibleProbs(Tensor h) {
        Tensor mean = rows("visibleProbs", h, hidden).matmul(weight.t()).add(visibleBias);
        return kind == Visible.BERNOULLI ? mean.sigmoid() : mean;
    }

    /** 1 with probability {@code p}, element by element, from {@code gen}'s stream. */
    public static Tensor bernoulli(Tensor p, Generator gen) {
        try (NoGrad ignored = NoGrad.enter()) {
            return p.gt(Tensor.rand(p.backend(), gen, 0f, 1f, p.shape()));
        }
    }

    public Tensor sampleHidden(Tensor v, Generator gen) {
        try (NoGrad ignored = NoGrad.enter()) {
            return bernoulli(hiddenProbs(v), gen);
        }
    }

    public Tensor sampleVisible(Tensor h, Generator gen) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor p = visibleProbs(h);
            return kind == Visible.BERNOULLI ? bernoulli(p, gen) : p.add(Tensor.randn(p.backend(), gen, 0f, 1f, p.shape()));
        }
    }

    /** {@code k} steps of block Gibbs sampling v → h → v from {@code v}; records no gradient. */
    public Tensor gibbs(Tensor v, int k, Generator gen) {
        if (k < 0) throw new IllegalArgumentException("Rbm.gibbs: k must be >= 0, got " + k);
        Tensor x = rows("gibbs", v, visible);
        for (int i = 0; i < k; i++) x = sampleVisible(sampleHidden(x, gen), gen);
        return x;
    }

    /**
     * The free energy {@code F(v) = -log Σ_h e^{-E(v,h)}} per sample, {@code [N]}: {@code -bᵀv - Σ_j softplus(c_j +
     * vᵀW_{:,j})}, with {@code ½‖v - b‖²} in place of {@code -bᵀv} for Gaussian visible units.
     */
    public Tensor freeEnergy(Tensor v) {
        Tensor x = rows("freeEnergy", v, visible);
        Tensor hiddenTerm = Functional.softplus(x.matmul(weight).add(hiddenBias)).sum(1, false);
        Tensor visibleTerm = kind == Visible.BERNOULLI
                ? x.mul(visibleBias).sum(1, false).neg()
                : x.sub(visibleBias).square().sum(1, false).mul(0.5f);
        return visibleTerm.sub(hiddenTerm);
    }

    /**
     * The contrastive-divergence objective {@code mean F(data) - mean F(negative)}: its gradient is the CD (or PCD)
     * estimate of the negative log-likelihood's, {@code -(⟨v hᵀ⟩_data - ⟨v hᵀ⟩_negative)} for W, so any optimizer
     * (momentum, weight decay) applies it. The negative samples carry no gradient.
     */
    public Tensor contrastiveDivergence(Tensor data, Tensor negative) {
        return freeEnergy(data).mean().sub(freeEnergy(negative.detach()).mean());
    }

    /** Mean squared error per visible unit between {@code v} and its mean-field reconstruction {@code p(v|p(h|v))}. */
    public double reconstructionError(Tensor v) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor x = rows("reconstructionError", v, visible);
            return visibleProbs(hiddenProbs(x)).sub(x).square().mean().item();
        }
    }

    /**
     * The stochastic pseudo-likelihood scikit-learn's {@code score_samples} reports, averaged over samples: for each
     * sample flip one visible unit chosen from {@code gen}, then {@code V · log σ(F(flipped) - F(v))}. Binary data.
     */
    public double pseudoLikelihood(Tensor v, Generator gen) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor x = rows("pseudoLikelihood", v, visible);
            int n = x.dim(0);
            float[] pick = Tensor.rand(x.backend(), gen, 0f, visible, n).toFloatArray();
            float[] mask = new float[n * visible];
            for (int r = 0; r < n; r++) mask[r * visible + Math.min(visible - 1, (int) pick[r])] = 1;
            Tensor m = Tensor.of(x.backend(), mask, n, visible);
            Tensor flipped = x.add(m.mul(x.mul(-2f).add(1f)));
            Tensor diff = freeEnergy(flipped).sub(freeEnergy(x));
            // log σ(d) = -softplus(-d)
            return Functional.softplus(diff.neg()).neg().mean().item() * visible;
        }
    }
}

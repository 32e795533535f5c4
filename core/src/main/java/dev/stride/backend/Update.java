package dev.stride.backend;

import dev.stride.tensor.Tensor;

/**
 * One optimizer step's rule and its per-step scalars, as data: what {@link Backend#optimizerStep} applies to every
 * parameter at once. Each rule names its state slots and carries its reference definition, written with tensor
 * ops, which is the composite default and the specification the fused kernels are tested against. Scalars that
 * depend only on the step count (bias corrections, schedules of momentum) are computed on the host, once.
 * Formulas are PyTorch's ({@code torch.optim}), weight decay coupled ({@code g += wd·p}) unless {@code decoupled}
 * ({@code p *= 1 - lr·wd} first).
 */
public sealed interface Update {
    /** How many state buffers, each the size of the parameter, this rule keeps per parameter: one per slot name. */
    default int slots() {
        return slotNames().length;
    }

    /**
     * Each slot's name in PyTorch's optimizer state ({@code exp_avg}, {@code momentum_buffer}, ...), null for a slot
     * this configuration never touches: what a state dict holds.
     */
    String[] slotNames();

    /** Updates {@code p} and {@code state} in place from {@code g}; {@code p}, {@code g} and state are 1-D views. */
    void reference(Tensor p, Tensor g, Tensor[] state);

    private static void store(Tensor value, Tensor into) {
        value.copyTo(into.storage());
    }

    private static Tensor decayed(Tensor p, float lr, float wd, boolean decoupled) {
        return decoupled && wd != 0 ? p.mul(1 - lr * wd) : p;
    }

    private static Tensor coupled(Tensor g, Tensor p, float wd, boolean decoupled) {
        return !decoupled && wd != 0 ? g.add(p.mul(wd)) : g;
    }

    /** SGD; state: momentum buffer (slot 0, unused without momentum). */
    record Sgd(float lr, float momentum, float dampening, boolean nesterov, float weightDecay, boolean firstStep)
            implements Update {
        @Override
        public String[] slotNames() {
            return new String[] {"momentum_buffer"};
        }

        @Override
        public int slots() {
            return momentum == 0 ? 0 : 1;
        }

        @Override
        public void reference(Tensor p, Tensor g, Tensor[] s) {
            Tensor d = coupled(g, p, weightDecay, false);
            if (momentum != 0) {
                Tensor buf = firstStep ? d : s[0].mul(momentum).add(d.mul(1 - dampening));
                store(buf, s[0]);
                d = nesterov ? d.add(buf.mul(momentum)) : buf;
            }
            store(p.sub(d.mul(lr)), p);
        }
    }

    /** AdaGrad with {@code clr = lr / (1 + (step-1)·lrDecay)} precomputed; state: sum of squares. */
    record Adagrad(float clr, float eps, float weightDecay) implements Update {
        @Override
        public String[] slotNames() {
            return new String[] {"sum"};
        }

        @Override
        public void reference(Tensor p, Tensor g, Tensor[] s) {
            Tensor d = coupled(g, p, weightDecay, false);
            Tensor sum = s[0].add(d.square());
            store(sum, s[0]);
            store(p.sub(d.div(sum.sqrt().add(eps)).mul(clr)), p);
        }
    }

    /** RMSProp, optionally centered and with momentum; state: square average, momentum buffer, gradient average. */
    record RmsProp(float lr, float alpha, float eps, float weightDecay, float momentum, boolean centered) implements Update {
        @Override
        public String[] slotNames() {
            return new String[] {"square_avg", momentum > 0 ? "momentum_buffer" : null, centered ? "grad_avg" : null};
        }

        @Override
        public void reference(Tensor p, Tensor g, Tensor[] s) {
            Tensor d = coupled(g, p, weightDecay, false);
            Tensor sq = s[0].mul(alpha).add(d.square().mul(1 - alpha));
            store(sq, s[0]);
            Tensor avg;
            if (centered) {
                Tensor ga = s[2].mul(alpha).add(d.mul(1 - alpha));
                store(ga, s[2]);
                avg = sq.sub(ga.square()).sqrt().add(eps);
            } else {
                avg = sq.sqrt().add(eps);
            }
            if (momentum > 0) {
                Tensor buf = s[1].mul(momentum).add(d.div(avg));
                store(buf, s[1]);
                store(p.sub(buf.mul(lr)), p);
            } else {
                store(p.sub(d.div(avg).mul(lr)), p);
            }
        }
    }

    /**
     * Adam, AdamW ({@code decoupled}) and AMSGrad; {@code bc1 = 1-β1^t}, {@code bc2 = 1-β2^t}.
     * State: first moment, second moment, running maximum of the second moment (AMSGrad).
     */
    record Adam(float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled, boolean amsgrad,
                double bc1, double bc2) implements Update {
        @Override
        public String[] slotNames() {
            return amsgrad ? new String[] {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"} : new String[] {"exp_avg", "exp_avg_sq"};
        }

        @Override
        public void reference(Tensor p, Tensor g, Tensor[] s) {
            Tensor q = decayed(p, lr, weightDecay, decoupled);
            Tensor d = coupled(g, q, weightDecay, decoupled);
            Tensor m = s[0].mul(beta1).add(d.mul(1 - beta1));
            Tensor v = s[1].mul(beta2).add(d.square().mul(1 - beta2));
            store(m, s[0]);
            store(v, s[1]);
            if (amsgrad) {
                v = s[2].maximum(v);
                store(v, s[2]);
            }
            Tensor denom = v.sqrt().div((float) Math.sqrt(bc2)).add(eps);
            store(q.sub(m.div(denom).mul((float) (lr / bc1))), p);
        }
    }

    /** Adamax (infinity norm); state: first moment, exponentially weighted infinity norm. */
    record Adamax(float lr, float beta1, float beta2, float eps, float weightDecay, double bc1) implements Update {
        @Override
        public String[] slotNames() {
            return new String[] {"exp_avg", "exp_inf"};
        }

        @Override
        public void reference(Tensor p, Tensor g, Tensor[] s) {
            Tensor d = coupled(g, p, weightDecay, false);
            Tensor m = s[0].mul(beta1).add(d.mul(1 - beta1));
            Tensor u = s[1].mul(beta2).maximum(d.abs().add(eps));
            store(m, s[0]);
            store(u, s[1]);
            store(p.sub(m.div(u).mul((float) (lr / bc1))), p);
        }
    }

    /**
     * NAdam with momentum decay: {@code gradCoef = lr(1-μ_t)/(1-Πμ_{..t})},
     * {@code momCoef = lr·μ_{t+1}/(1-Πμ_{..t+1})}, both precomputed. State: first and second moments.
     */
    record Nadam(float beta1, float beta2, float eps, float weightDecay, double gradCoef, double momCoef, double bc2)
            implements Update {
        @Override
        public String[] slotNames() {
            return new String[] {"exp_avg", "exp_avg_sq"};
        }

        @Override
        public void reference(Tensor p, Tensor g, Tensor[] s) {
            Tensor d = coupled(g, p, weightDecay, false);
            Tensor m = s[0].mul(beta1).add(d.mul(1 - beta1));
            Tensor v = s[1].mul(beta2).add(d.square().mul(1 - beta2));
            store(m, s[0]);
            store(v, s[1]);
            Tensor denom = v.div((float) bc2).sqrt().add(eps);
            store(p.sub(d.div(denom).mul((float) gradCoef)).sub(m.div(denom).mul((float) momCoef)), p);
        }
    }

    /** Adadelta; state: square average of gradients, square average of updates. */
    record Adadelta(float lr, float rho, float eps, float weightDecay) implements Update {
        @Override
        public String[] slotNames() {
            return new String[] {"square_avg", "acc_delta"};
        }

        @Override
        public void reference(Tensor p, Tensor g, Tensor[] s) {
            Tensor d = coupled(g, p, weightDecay, false);
            Tensor sq = s[0].mul(rho).add(d.square().mul(1 - rho));
            Tensor delta = s[1].add(eps).sqrt().div(sq.add(eps).sqrt()).mul(d);
            store(sq, s[0]);
            store(s[1].mul(rho).add(delta.square().mul(1 - rho)), s[1]);
            store(p.sub(delta.mul(lr)), p);
        }
    }

    /**
     * RAdam; {@code rect} is the variance rectification term, or NaN while the approximated SMA length is ≤ 5
     * (then the step is un-adapted momentum). State: first and second moments.
     */
    record RAdam(float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled,
                 double bc1, double bc2, double rect) implements Update {
        @Override
        public String[] slotNames() {
            return new String[] {"exp_avg", "exp_avg_sq"};
        }

        @Override
        public void reference(Tensor p, Tensor g, Tensor[] s) {
            Tensor q = decayed(p, lr, weightDecay, decoupled);
            Tensor d = coupled(g, q, weightDecay, decoupled);
            Tensor m = s[0].mul(beta1).add(d.mul(1 - beta1));
            Tensor v = s[1].mul(beta2).add(d.square().mul(1 - beta2));
            store(m, s[0]);
            store(v, s[1]);
            Tensor mHat = m.div((float) bc1);
            if (Double.isNaN(rect)) {
                store(q.sub(mHat.mul(lr)), p);
            } else {
                Tensor adaptive = v.sqrt().add(eps).reciprocal().mul((float) Math.sqrt(bc2));
                store(q.sub(mHat.mul(adaptive).mul((float) (lr * rect))), p);
            }
        }
    }
}

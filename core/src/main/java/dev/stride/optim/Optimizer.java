package dev.stride.optim;

import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import dev.stride.tensor.DType;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the first-order optimizers. Each {@link #step()} makes one fused backend call per parameter group (per
 * distinct parameter step count within it), over every parameter of the group that has a gradient; parameters
 * without one (frozen, or unused this step) are skipped and their step count stays, as in PyTorch. State is named
 * as PyTorch names it: {@code <param index>.exp_avg}, {@code <param index>.step}, and so on.
 * The optimizer owns its state buffers (made outside every {@link dev.stride.tensor.MemoryScope}); they follow
 * their parameter when it moves to another backend ({@link dev.stride.nn.Module#to}).
 */
public abstract class Optimizer {
    /**
     * A resolved group: its parameters, the rate schedules start from, the current rate, weight decay, and the
     * momentum (SGD's and RMSprop's momentum, the Adam family's β1) that momentum schedules cycle; NaN for
     * optimizers without one.
     */
    public static final class Group {
        final List<Tensor> params;
        final float baseLr;
        float lr;
        final float weightDecay;
        final Float requestedMomentum;
        float baseMomentum = Float.NaN;
        float momentum = Float.NaN;

        Group(List<Tensor> params, float lr, float weightDecay, Float momentum) {
            this.params = params;
            this.baseLr = lr;
            this.lr = lr;
            this.weightDecay = weightDecay;
            this.requestedMomentum = momentum;
        }

        public float momentum() {
            return momentum;
        }

        public float baseMomentum() {
            return baseMomentum;
        }

        public List<Tensor> params() {
            return params;
        }

        public float baseLr() {
            return baseLr;
        }

        public float lr() {
            return lr;
        }

        public float weightDecay() {
            return weightDecay;
        }
    }

    protected final String name;
    private final List<Group> groups = new ArrayList<>();
    private final List<Tensor> all = new ArrayList<>();
    private final Map<Tensor, Storage[]> state = new IdentityHashMap<>();
    private final Map<Tensor, Long> paramSteps = new IdentityHashMap<>();
    private final Map<Tensor, Group> groupOf = new IdentityHashMap<>();
    private String momentumName;
    private boolean momentumBelowOne;
    protected long steps;

    protected Optimizer(String name, List<ParamGroup> paramGroups, float lr, float weightDecay) {
        this.name = name;
        if (paramGroups == null || paramGroups.isEmpty()) throw new IllegalArgumentException(name + ": empty parameter list");
        checkRate(name, "learning rate", lr);
        checkNonNegative(name, "weight decay", weightDecay);
        Map<Tensor, String> seen = new IdentityHashMap<>();
        for (int gi = 0; gi < paramGroups.size(); gi++) {
            ParamGroup pg = paramGroups.get(gi);
            if (pg.params.isEmpty()) throw new IllegalArgumentException(name + ": parameter group " + gi + " is empty");
            for (int i = 0; i < pg.params.size(); i++) {
                Tensor p = pg.params.get(i);
                String where = "parameter " + i + " of group " + gi;
                String before = seen.put(p, where);
                if (before != null) throw new IllegalArgumentException(name + ": " + where + " is the same tensor as " + before);
                if (p.dtype() != DType.F32 || !p.isContiguous() || p.storage().numel() != p.numel()) {
                    throw new IllegalArgumentException(name + ": " + where + " must be a dense F32 tensor, got " + Shape.str(p.shape()));
                }
                if (!all.isEmpty() && p.backend() != all.get(0).backend()) {
                    throw new IllegalArgumentException(name + ": " + where + " lives on backend " + p.backend().name()
                            + ", parameter 0 on " + all.get(0).backend().name());
                }
                all.add(p);
            }
            float glr = pg.lr == null ? lr : pg.lr;
            float gwd = pg.weightDecay == null ? weightDecay : pg.weightDecay;
            checkRate(name, "learning rate of group " + gi, glr);
            checkNonNegative(name, "weight decay of group " + gi, gwd);
            Group g = new Group(pg.params, glr, gwd, pg.momentum);
            groups.add(g);
            for (Tensor p : pg.params) groupOf.put(p, g);
        }
    }

    /**
     * Declares the optimizer's momentum (named {@code what} in errors: "momentum", "beta1") with its default; a
     * group's own value from {@link ParamGroup#momentum} wins. Subclasses read it from {@link Group#momentum()}.
     */
    protected final void defineMomentum(String what, float value, boolean belowOne) {
        momentumName = what;
        momentumBelowOne = belowOne;
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            float m = g.requestedMomentum == null ? value : g.requestedMomentum;
            checkMomentum(what + (g.requestedMomentum == null ? "" : " of group " + i), m, belowOne);
            g.momentum = m;
            g.baseMomentum = m;
        }
    }

    private void checkMomentum(String what, float m, boolean belowOne) {
        if (belowOne) checkUnit(name, what, m);
        else checkNonNegative(name, what, m);
    }

    /** Whether {@link #setMomentum} applies: SGD, RMSprop, Adam, AdamW, Adamax and RAdam have one. */
    public boolean hasMomentum() {
        return momentumName != null;
    }

    /** Sets group {@code i}'s momentum (β1 for the Adam family), as momentum-cycling schedules do. */
    public void setMomentum(int group, float momentum) {
        if (!hasMomentum()) throw new IllegalStateException(name + " has no momentum to set");
        checkMomentum(momentumName, momentum, momentumBelowOne);
        groups.get(group).momentum = momentum;
    }

    /**
     * Hyper-parameters by name ({@code Adam.options().lr(3e-4f).weightDecay(0.01f).build(params)}) with PyTorch's
     * defaults: the rate and weight decay every optimizer has; each optimizer's own {@code Options} adds the rest.
     */
    public abstract static class Options<O extends Options<O, T>, T extends Optimizer> {
        protected float lr;
        protected float weightDecay;

        protected Options(float lr) {
            this.lr = lr;
        }

        @SuppressWarnings("unchecked")
        protected final O self() {
            return (O) this;
        }

        public O lr(float value) {
            lr = value;
            return self();
        }

        public O weightDecay(float value) {
            weightDecay = value;
            return self();
        }

        /** The optimizer over one group of {@code params}. */
        public T build(List<Tensor> params) {
            return buildGroups(single(params));
        }

        /** The optimizer over parameter groups, each with its own overrides. */
        public abstract T buildGroups(List<ParamGroup> groups);
    }

    /** The Adam family's β1, β2 and ε (defaults 0.9, 0.999, 1e-8) on top of the rate and weight decay. */
    public abstract static class AdamFamilyOptions<O extends AdamFamilyOptions<O, T>, T extends Optimizer> extends Options<O, T> {
        protected float beta1 = 0.9f;
        protected float beta2 = 0.999f;
        protected float eps = 1e-8f;

        protected AdamFamilyOptions(float lr) {
            super(lr);
        }

        public O beta1(float value) {
            beta1 = value;
            return self();
        }

        public O beta2(float value) {
            beta2 = value;
            return self();
        }

        public O eps(float value) {
            eps = value;
            return self();
        }
    }

    protected static List<ParamGroup> single(List<Tensor> params) {
        return params == null || params.isEmpty() ? List.of() : List.of(ParamGroup.of(params));
    }

    protected static void checkRate(String name, String what, float v) {
        if (!(v >= 0) || Float.isInfinite(v)) throw new IllegalArgumentException(name + ": " + what + " must be finite and >= 0, got " + v);
    }

    protected static void checkNonNegative(String name, String what, float v) {
        checkRate(name, what, v);
    }

    protected static void checkUnit(String name, String what, float v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(name + ": " + what + " must be in [0, 1), got " + v);
    }

    /** The Adam family's betas in [0, 1) and eps >= 0. */
    protected void checkBetas(float beta1, float beta2, float eps) {
        checkUnit(name, "beta1", beta1);
        checkUnit(name, "beta2", beta2);
        checkNonNegative(name, "eps", eps);
    }

    /** The rule for this step (1-based {@code step}) and group. */
    protected abstract Update rule(Group group, long step);

    /** Applies one step to every group; each parameter with a gradient advances its own step count. */
    public void step() {
        steps++;
        for (Group g : groups) {
            Map<Long, List<Tensor>> byStep = new java.util.TreeMap<>();
            for (Tensor p : g.params) {
                if (p.grad() == null) continue;
                byStep.computeIfAbsent(paramSteps.merge(p, 1L, Long::sum), k -> new ArrayList<>()).add(p);
            }
            byStep.forEach((step, ps) -> update(g, ps, step));
        }
    }

    /**
     * {@code torch.optim}'s closure form: runs {@code closure} (which clears the gradients, computes the loss and
     * calls backward), then {@link #step()}, and returns the loss. L-BFGS, which evaluates many times, overrides it.
     */
    public Tensor step(java.util.function.Supplier<Tensor> closure) {
        Tensor loss = closure.get();
        step();
        return loss;
    }

    /** Updates the parameters of {@code g} that have gradients and reach {@code step}; SGD overrides it to start new momentum buffers. */
    protected void update(Group g, List<Tensor> ps, long step) {
        apply(rule(g, step), ps);
    }

    /** One fused backend call applying {@code rule} to {@code ps}. */
    protected final void apply(Update rule, List<Tensor> ps) {
        Backend backend = ps.get(0).backend();
        List<Storage> grads = new ArrayList<>(ps.size());
        List<Storage> params = new ArrayList<>(ps.size());
        List<Storage[]> slots = new ArrayList<>(ps.size());
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            Tensor g = p.grad();
            if (p.backend() != backend || g.backend() != backend) {
                throw new IllegalArgumentException(name + ": parameter " + i + " of this step lives on " + p.backend().name()
                        + " with its gradient on " + g.backend().name() + ", parameter 0 on " + backend.name());
            }
            params.add(p.storage());
            grads.add(g.contiguous().storage());
            slots.add(state(p, rule.slots()));
        }
        backend.optimizerStep(rule, params, grads, slots);
    }

    /** Whether {@code p} has state buffers yet (SGD starts a momentum buffer from the first gradient). */
    protected boolean hasState(Tensor p) {
        Storage[] s = state.get(p);
        return s != null && s.length > 0;
    }

    /**
     * The parameter's state buffers, made zero on first use (and when a schedule turns momentum on), and moved to
     * the parameter's backend when it moved.
     */
    private Storage[] state(Tensor p, int slots) {
        Storage[] s = state.get(p);
        if (s == null || s.length < slots) {
            Storage[] grown = new Storage[slots];
            for (int i = 0; i < slots; i++) grown[i] = s != null && i < s.length ? s[i] : zeros(p);
            state.put(p, grown);
            s = grown;
        }
        for (int i = 0; i < s.length; i++) {
            if (s[i].backend() != p.backend()) s[i] = moved(s[i], p.backend());
        }
        return s;
    }

    private static Storage zeros(Tensor p) {
        Storage z = p.backend().allocate(DType.F32, p.numel());
        p.backend().fill(z, 0, p.numel(), 0f);
        return z;
    }

    private static Storage moved(Storage from, Backend to) {
        int n = Math.toIntExact(from.numel());
        float[] host = new float[n];
        from.backend().read(from, 0, host, 0, n);
        Storage s = to.allocate(DType.F32, n);
        to.write(s, 0, host, 0, n);
        from.release();
        return s;
    }

    public void zeroGrad() {
        for (Tensor p : all) p.setGrad(null);
    }

    /** The optimizer's kind as it names itself in errors and checkpoints ({@code Adam}, {@code AdamW}, ...). */
    public String name() {
        return name;
    }

    public List<Group> groups() {
        return List.copyOf(groups);
    }

    /** Every parameter, in group order. */
    public List<Tensor> parameters() {
        return List.copyOf(all);
    }

    /** The first group's current rate. */
    public float learningRate() {
        return groups.get(0).lr;
    }

    /** Sets every group's rate to {@code lr} times its share of the default, keeping per-group ratios. */
    public void setLearningRate(float lr) {
        checkRate(name, "learning rate", lr);
        float ref = groups.get(0).baseLr;
        for (Group g : groups) g.lr = ref == 0 ? lr : lr * (g.baseLr / ref);
    }

    /** Sets group {@code i}'s current rate (schedules call this per group). */
    public void setLearningRate(int group, float lr) {
        checkRate(name, "learning rate", lr);
        groups.get(group).lr = lr;
    }

    public long stepCount() {
        return steps;
    }

    // ---- state dict ----

    /** The PyTorch names of parameter {@code p}'s state slots under its group's current configuration. */
    private String[] slotNames(Tensor p) {
        return rule(groupOf.get(p), Math.max(1, paramSteps.getOrDefault(p, 1L))).slotNames();
    }

    /**
     * State under PyTorch's names, {@code <param index>.<name>}: each parameter's buffers that its configuration
     * uses ({@code exp_avg}, {@code exp_avg_sq}, {@code momentum_buffer}, ...) and its {@code step} (an F32
     * scalar, as PyTorch keeps it). The tensors share the optimizer's storage.
     */
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            Tensor p = all.get(i);
            Storage[] s = state.get(p);
            if (s != null) {
                String[] names = slotNames(p);
                for (int k = 0; k < s.length && k < names.length; k++) {
                    if (names[k] != null) out.put(i + "." + names[k], Tensor.wrap(s[k], DType.F32, p.shape()));
                }
            }
            Long step = paramSteps.get(p);
            if (step != null) out.put(i + ".step", Tensor.scalar(p.backend(), step));
        }
        return out;
    }

    /** Step count, current rates and momenta, and whatever scalar state a subclass keeps. */
    public Map<String, Double> scalars() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("steps", (double) steps);
        for (int i = 0; i < groups.size(); i++) out.put("lr." + i, (double) groups.get(i).lr);
        if (hasMomentum()) {
            for (int i = 0; i < groups.size(); i++) out.put("momentum." + i, (double) groups.get(i).momentum);
        }
        return out;
    }

    /** Restores what {@link #stateTensors()} and {@link #scalars()} saved; checks everything before writing. */
    public void loadState(Map<String, Tensor> tensors, Map<String, Double> scalars) {
        checkState(tensors);
        steps = scalars.getOrDefault("steps", 0.0).longValue();
        for (int i = 0; i < groups.size(); i++) {
            Double lr = scalars.get("lr." + i);
            if (lr != null) groups.get(i).lr = lr.floatValue();
            Double m = scalars.get("momentum." + i);
            if (m != null && hasMomentum()) groups.get(i).momentum = m.floatValue();
        }
        restore(tensors);
        loadScalars(scalars);
    }

    /**
     * Throws naming the first state tensor that matches no parameter or slot, has the wrong shape, or is missing
     * beside its parameter's others; writes nothing.
     */
    public void checkState(Map<String, Tensor> tensors) {
        Map<Integer, List<String>> seen = new java.util.TreeMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            int i = dot < 0 ? -1 : parseIndex(key.substring(0, dot));
            if (i < 0 || i >= all.size()) throw new IllegalArgumentException(name + ": unexpected optimizer state '" + key + "'");
            String slot = key.substring(dot + 1);
            boolean isStep = slot.equals("step");
            if (!isStep && !Arrays.asList(slotNames(all.get(i))).contains(slot)) {
                throw new IllegalArgumentException(name + ": unexpected optimizer state '" + key + "' (parameter " + i
                        + " keeps " + used(slotNames(all.get(i))) + ")");
            }
            int[] want = isStep ? new int[0] : all.get(i).shape();
            if (!Arrays.equals(e.getValue().shape(), want)) {
                throw new IllegalArgumentException(name + ": optimizer state '" + key + "' has shape "
                        + Shape.str(e.getValue().shape()) + " but " + (isStep ? "a step count is a scalar" : "parameter " + i
                        + " has " + Shape.str(want)));
            }
            seen.computeIfAbsent(i, x -> new ArrayList<>()).add(slot);
        }
        seen.forEach((i, slots) -> {
            List<String> need = new ArrayList<>(used(slotNames(all.get(i))));
            need.add("step");
            for (String n : need) {
                if (!slots.contains(n)) throw new IllegalArgumentException(name + ": optimizer state " + i + "." + n + " is missing");
            }
        });
    }

    private static List<String> used(String[] names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n != null) out.add(n);
        }
        return out;
    }

    private void restore(Map<String, Tensor> tensors) {
        for (Storage[] s : state.values()) {
            for (Storage b : s) b.release();
        }
        state.clear();
        paramSteps.clear();
        for (int i = 0; i < all.size(); i++) {
            Tensor p = all.get(i);
            Tensor step = tensors.get(i + ".step");
            if (step == null) continue;
            paramSteps.put(p, (long) step.item());
            String[] names = slotNames(p);
            int slots = rule(groupOf.get(p), Math.max(1, paramSteps.get(p))).slots();
            Storage[] s = new Storage[slots];
            for (int k = 0; k < slots; k++) {
                Tensor src = k < names.length && names[k] != null ? tensors.get(i + "." + names[k]) : null;
                s[k] = zeros(p);
                if (src != null) p.backend().write(s[k], 0, src.toFloatArray(), 0, Math.toIntExact(src.numel()));
            }
            state.put(p, s);
        }
    }

    /** Subclasses with scalar state restore it here. */
    protected void loadScalars(Map<String, Double> scalars) {}

    private static int parseIndex(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

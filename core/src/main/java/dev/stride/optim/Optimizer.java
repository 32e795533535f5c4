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
 * Base of the first-order optimizers. Each {@link #step()} makes one fused backend call per parameter group,
 * over every parameter of the group that has a gradient; parameters without one (frozen, or unused this step)
 * are skipped, as in PyTorch. The step count is the optimizer's, shared by all parameters.
 * The optimizer owns its state buffers (made outside every {@link dev.stride.tensor.MemoryScope}); they follow
 * their parameter when it moves to another backend ({@link dev.stride.nn.Module#to}).
 */
public abstract class Optimizer {
    /** A resolved group: its parameters, the rate schedules start from, the current rate, weight decay. */
    public static final class Group {
        final List<Tensor> params;
        final float baseLr;
        float lr;
        final float weightDecay;

        Group(List<Tensor> params, float lr, float weightDecay) {
            this.params = params;
            this.baseLr = lr;
            this.lr = lr;
            this.weightDecay = weightDecay;
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
            groups.add(new Group(pg.params, glr, gwd));
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

    /** Applies one step to every group. */
    public void step() {
        steps++;
        for (Group g : groups) {
            List<Tensor> ps = withGrad(g.params);
            if (!ps.isEmpty()) update(g, ps);
        }
    }

    /** Updates the parameters of {@code g} that have gradients; SGD overrides it to start new momentum buffers. */
    protected void update(Group g, List<Tensor> ps) {
        apply(rule(g, steps), ps);
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

    private static List<Tensor> withGrad(List<Tensor> params) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            if (p.grad() != null) out.add(p);
        }
        return out;
    }

    protected boolean hasState(Tensor p) {
        return state.containsKey(p);
    }

    /** The parameter's state buffers, made zero on first use and moved to the parameter's backend when it moved. */
    private Storage[] state(Tensor p, int slots) {
        Storage[] s = state.computeIfAbsent(p, k -> {
            Storage[] fresh = new Storage[slots];
            for (int i = 0; i < slots; i++) fresh[i] = p.backend().allocate(DType.F32, p.numel());
            return fresh;
        });
        for (int i = 0; i < s.length; i++) {
            if (s[i].backend() != p.backend()) s[i] = moved(s[i], p.backend());
        }
        return s;
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

    /** Buffers named {@code <param index>.<slot>} plus the scalars of {@link #scalars()}. */
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            Storage[] s = state.get(all.get(i));
            if (s == null) continue;
            for (int k = 0; k < s.length; k++) out.put(i + "." + k, Tensor.wrap(s[k], DType.F32, all.get(i).shape()));
        }
        return out;
    }

    /** Step count, current rates, and whatever scalar state a subclass keeps. */
    public Map<String, Double> scalars() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("steps", (double) steps);
        for (int i = 0; i < groups.size(); i++) out.put("lr." + i, (double) groups.get(i).lr);
        return out;
    }

    /** Restores what {@link #stateTensors()} and {@link #scalars()} saved; checks everything before writing. */
    public void loadState(Map<String, Tensor> tensors, Map<String, Double> scalars) {
        checkState(tensors);
        restore(tensors);
        steps = scalars.getOrDefault("steps", 0.0).longValue();
        for (int i = 0; i < groups.size(); i++) {
            Double lr = scalars.get("lr." + i);
            if (lr != null) groups.get(i).lr = lr.floatValue();
        }
        loadScalars(scalars);
    }

    /** Throws naming the first state tensor that matches no parameter; writes nothing. */
    public void checkState(Map<String, Tensor> tensors) {
        Map<Integer, Integer> slots = new java.util.HashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            slots.merge(parseIndex(e.getKey().split("\\.")[0]), 1, Integer::sum);
            String[] parts = e.getKey().split("\\.");
            int i = parts.length == 2 ? parseIndex(parts[0]) : -1;
            if (i < 0 || i >= all.size()) throw new IllegalArgumentException(name + ": unexpected optimizer state '" + e.getKey() + "'");
            if (!Arrays.equals(e.getValue().shape(), all.get(i).shape())) {
                throw new IllegalArgumentException(name + ": optimizer state '" + e.getKey() + "' has shape "
                        + Shape.str(e.getValue().shape()) + " but parameter " + i + " has " + Shape.str(all.get(i).shape()));
            }
        }
        slots.forEach((i, n) -> {
            for (int k = 0; k < n; k++) {
                if (!tensors.containsKey(i + "." + k)) throw new IllegalArgumentException(name + ": optimizer state " + i + "." + k + " is missing");
            }
        });
    }

    private void restore(Map<String, Tensor> tensors) {
        for (Storage[] s : state.values()) {
            for (Storage b : s) b.release();
        }
        state.clear();
        Map<Integer, List<Tensor>> bySlot = new java.util.TreeMap<>();
        tensors.forEach((k, t) -> bySlot.computeIfAbsent(parseIndex(k.split("\\.")[0]), x -> new ArrayList<>()).add(t));
        bySlot.forEach((i, ts) -> {
            Storage[] s = new Storage[ts.size()];
            for (int k = 0; k < s.length; k++) {
                Tensor src = tensors.get(i + "." + k);
                Backend backend = all.get(i).backend();
                s[k] = backend.allocate(DType.F32, all.get(i).numel());
                backend.write(s[k], 0, src.toFloatArray(), 0, Math.toIntExact(src.numel()));
            }
            state.put(all.get(i), s);
        });
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

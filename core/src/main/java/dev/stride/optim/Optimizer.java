package dev.stride.optim;

import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the first-order optimizers: each {@link #step()} is one fused backend call over every parameter
 * that has a gradient (parameters without one are skipped, as in PyTorch).
 */
public abstract class Optimizer {
    protected final List<Tensor> params;
    protected final Backend backend;
    protected float lr;
    private final Map<Tensor, Storage[]> state = new IdentityHashMap<>();

    protected Optimizer(String name, List<Tensor> params, float lr) {
        if (params == null || params.isEmpty()) throw new IllegalArgumentException(name + ": empty parameter list");
        checkNonNegative(name, "learning rate", lr);
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (seen.put(p, true) != null) throw new IllegalArgumentException(name + ": parameter " + i + " appears twice");
            if (p.dtype() != DType.F32 || !p.isContiguous()) {
                throw new IllegalArgumentException(name + ": parameter " + i + " must be a contiguous F32 tensor");
            }
            if (p.backend() != params.get(0).backend()) {
                throw new IllegalArgumentException(name + ": parameters live on different backends");
            }
        }
        this.params = List.copyOf(params);
        this.backend = params.get(0).backend();
        this.lr = lr;
    }

    protected static void checkNonNegative(String name, String what, float v) {
        if (!(v >= 0) || Float.isInfinite(v)) throw new IllegalArgumentException(name + ": " + what + " must be finite and >= 0, got " + v);
    }

    protected static void checkUnit(String name, String what, float v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(name + ": " + what + " must be in [0, 1), got " + v);
    }

    public abstract void step();

    public float learningRate() {
        return lr;
    }

    public void setLearningRate(float lr) {
        checkNonNegative(getClass().getSimpleName(), "learning rate", lr);
        this.lr = lr;
    }

    public void zeroGrad() {
        for (Tensor p : params) p.setGrad(null);
    }

    /** The parameters that have a gradient now, in order. */
    protected List<Tensor> withGrad() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            if (p.grad() != null) out.add(p);
        }
        return out;
    }

    protected static List<Storage> storages(List<Tensor> ts) {
        List<Storage> out = new ArrayList<>(ts.size());
        for (Tensor t : ts) out.add(t.storage());
        return out;
    }

    protected static List<Storage> gradStorages(List<Tensor> ts) {
        List<Storage> out = new ArrayList<>(ts.size());
        for (Tensor t : ts) out.add(t.grad().contiguous().storage());
        return out;
    }

    /** Slot {@code slot} of {@code p}'s state (zero-filled on first use). */
    protected Storage state(Tensor p, int slot, int slots) {
        Storage[] s = state.computeIfAbsent(p, k -> new Storage[slots]);
        if (s[slot] == null) s[slot] = backend.allocate(DType.F32, p.numel());
        return s[slot];
    }

    protected List<Storage> states(List<Tensor> ps, int slot, int slots) {
        List<Storage> out = new ArrayList<>(ps.size());
        for (Tensor p : ps) out.add(state(p, slot, slots));
        return out;
    }
}

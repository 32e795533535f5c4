package dev.stride.nn;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A layer or a model: named parameters (trained), named buffers (saved, not trained), named children,
 * and a training flag that {@link #train()} and {@link #eval()} set for the whole tree. Names are dotted
 * paths ({@code 0.weight}, {@code body.2.bias}) as in PyTorch's {@code state_dict}.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    public abstract Tensor forward(Tensor x);

    protected Tensor registerParameter(String name, Tensor value) {
        value.requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    protected Tensor registerBuffer(String name, Tensor value) {
        buffers.put(name, value);
        return value;
    }

    protected <M extends Module> M registerModule(String name, M module) {
        children.put(name, module);
        return module;
    }

    /** Every parameter of this module and its children, by dotted name, in registration order. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false);
        return out;
    }

    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Parameters and buffers by dotted name: what a checkpoint holds. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withBuffers) {
        parameters.forEach((k, v) -> out.put(prefix + k, v));
        if (withBuffers) buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, withBuffers));
    }

    /**
     * Copies {@code state} into this module's parameters and buffers. Every name and shape is checked before
     * anything is written, so a mismatch leaves the module as it was.
     */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true, UnaryOperator.identity());
    }

    /** What a non-strict load left out: the module's names it did not find, and the names it did not use. */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {}

    /**
     * {@code load_state_dict(state, strict)} with a key-renaming hook applied to {@code state}'s names first
     * ({@code rename} returning null drops the key). Non-strict loads what matches and returns the rest; shapes and
     * dtypes must match either way, and every check runs before anything is written.
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict, UnaryOperator<String> rename) {
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String k = rename.apply(e.getKey());
            if (k == null) continue;
            Tensor before = renamed.put(k, e.getValue());
            if (before != null) {
                throw new IllegalArgumentException("loadStateDict: two tensors are renamed to '" + k + "'");
            }
        }
        LoadResult result = check(renamed, strict);
        Map<String, Tensor> own = stateDict();
        try (NoGrad ignored = NoGrad.enter()) {
            own.forEach((k, dst) -> {
                Tensor src = renamed.get(k);
                if (src == null) return;
                Tensor here = src.to(dst.backend());
                here.copyTo(dst.storage());
                if (here != src) here.close();
            });
        }
        notifyLoaded();
        return result;
    }

    private void notifyLoaded() {
        stateLoaded();
        children.values().forEach(Module::notifyLoaded);
    }

    /** Called after {@link #loadStateDict} wrote this module's tensors, for layers that mirror a buffer on the host. */
    protected void stateLoaded() {}

    /** Throws naming the first missing, unexpected or mismatching tensor (with both shapes); writes nothing. */
    public void checkStateDict(Map<String, Tensor> state) {
        check(state, true);
    }

    private LoadResult check(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) {
                if (strict) throw new IllegalArgumentException("loadStateDict: missing tensor '" + e.getKey() + "'");
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), e.getValue().shape()) || src.dtype() != e.getValue().dtype()) {
                throw new IllegalArgumentException("loadStateDict: tensor '" + e.getKey() + "' has shape "
                        + Shape.str(src.shape()) + " " + src.dtype() + " but the model expects "
                        + Shape.str(e.getValue().shape()) + " " + e.getValue().dtype());
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : state.keySet()) {
            if (own.containsKey(k)) continue;
            if (strict) throw new IllegalArgumentException("loadStateDict: unexpected tensor '" + k + "'");
            unexpected.add(k);
        }
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    /**
     * Moves every parameter and buffer (with its gradient) to {@code backend} in place, as {@code module.to(device)}:
     * layers keep their tensors, and an optimizer over these parameters moves its state on its next step.
     */
    public Module to(Backend backend) {
        for (Tensor t : stateDict().values()) t.moveTo(backend);
        return this;
    }

    /**
     * Freezes every parameter whose dotted name starts with one of {@code prefixes}: it stops requiring a gradient,
     * so backward skips it and optimizers leave it as it is. Returns the names frozen; an unmatched prefix is an error.
     */
    public List<String> freeze(String... prefixes) {
        List<String> frozen = new ArrayList<>();
        for (String prefix : prefixes) {
            boolean matched = false;
            for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
                if (!e.getKey().startsWith(prefix)) continue;
                e.getValue().requiresGrad(false);
                frozen.add(e.getKey());
                matched = true;
            }
            if (!matched) throw new IllegalArgumentException("freeze: no parameter name starts with '" + prefix + "' (names: " + namedParameters().keySet() + ")");
        }
        return frozen;
    }

    /** The parameters that still require a gradient: what an optimizer should get after {@link #freeze}. */
    public List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : parameters()) {
            if (p.requiresGrad()) out.add(p);
        }
        return out;
    }

    /**
     * Re-draws the parameters under {@code prefix} as a new layer would: weights (rank ≥ 2) from PyTorch's default
     * initialization, biases and other vectors zero. Used to replace a pre-trained head.
     */
    public List<String> reinitialize(String prefix, dev.stride.random.Generator gen) {
        List<String> done = new ArrayList<>();
        try (NoGrad ignored = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
                if (!e.getKey().startsWith(prefix)) continue;
                Tensor p = e.getValue();
                Tensor fresh = p.rank() >= 2 ? Init.Scheme.PYTORCH_DEFAULT.create(p.backend(), gen, p.shape()) : Tensor.zeros(p.backend(), p.shape());
                fresh.copyTo(p.storage());
                done.add(e.getKey());
            }
        }
        if (done.isEmpty()) throw new IllegalArgumentException("reinitialize: no parameter name starts with '" + prefix + "'");
        return done;
    }

    /** Clears every parameter's gradient. */
    public void zeroGrad() {
        for (Tensor p : parameters()) p.setGrad(null);
    }

    public Module train() {
        setTraining(true);
        return this;
    }

    public Module eval() {
        setTraining(false);
        return this;
    }

    private void setTraining(boolean on) {
        training = on;
        children.values().forEach(c -> c.setTraining(on));
    }

    public boolean isTraining() {
        return training;
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor p : parameters()) n += p.numel();
        return n;
    }
}

package dev.stride.train;

import dev.stride.autograd.NoGrad;
import dev.stride.nn.Module;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Polyak averaging: an exponential moving average {@code avg = decay·avg + (1-decay)·w} of the parameters,
 * updated after every step and swapped in for evaluation ({@link #evaluate}).
 */
public final class Ema implements Callback {
    private final Module model;
    private final float decay;
    private final List<Tensor> params;
    private final List<Tensor> shadow = new ArrayList<>();

    public Ema(Module model, float decay) {
        if (!(decay > 0 && decay < 1)) throw new IllegalArgumentException("EMA: decay must be in (0, 1), got " + decay);
        this.model = model;
        this.decay = decay;
        this.params = model.parameters();
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor p : params) shadow.add(p.detach().clone().persist());
        }
    }

    @Override
    public void stepEnd(Trainer trainer) {
        try (NoGrad ignored = NoGrad.enter()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor avg = shadow.get(i).mul(decay).add(params.get(i).mul(1 - decay));
                avg.copyTo(shadow.get(i).storage());
            }
        }
    }

    @Override
    public String stateName() {
        return "ema";
    }

    @Override
    public java.util.Map<String, Tensor> stateTensors() {
        java.util.Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < shadow.size(); i++) out.put(String.valueOf(i), shadow.get(i));
        return out;
    }

    @Override
    public void loadState(java.util.Map<String, Tensor> tensors, java.util.Map<String, Double> scalars) {
        for (int i = 0; i < shadow.size(); i++) {
            Tensor t = tensors.get(String.valueOf(i));
            if (t == null || t.numel() != shadow.get(i).numel()) {
                throw new IllegalArgumentException("EMA state: weights " + i + " are missing or of another size");
            }
        }
        try (NoGrad ignored = NoGrad.enter()) {
            for (int i = 0; i < shadow.size(); i++) {
                Tensor t = tensors.get(String.valueOf(i)).to(shadow.get(i).backend()).reshape(shadow.get(i).shape());
                t.copyTo(shadow.get(i).storage());
            }
        }
    }

    /** Runs {@code body} with the averaged weights in the model, then restores the trained ones. */
    public <T> T evaluate(Supplier<T> body) {
        List<Tensor> saved = new ArrayList<>();
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
            try {
                for (int i = 0; i < params.size(); i++) {
                    saved.add(params.get(i).detach().clone());
                    shadow.get(i).copyTo(params.get(i).storage());
                }
                return body.get();
            } finally {
                for (int i = 0; i < saved.size(); i++) saved.get(i).copyTo(params.get(i).storage());
            }
        }
    }
}

package dev.stride.train;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.nn.Activation;
import dev.stride.nn.Flatten;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Rbm;
import dev.stride.nn.Sequential;
import dev.stride.optim.Sgd;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A deep belief net (Hinton, Osindero and Teh 2006): a stack of RBMs trained greedily, each on the hidden
 * probabilities of the one below, then unrolled into a sigmoid MLP with a softmax head and fine-tuned by
 * backpropagation. The unrolled net's hidden layers are named as the plain sigmoid MLP's, so both train the same way.
 */
public final class DeepBeliefNet {
    private DeepBeliefNet() {}

    /** The settings of greedy pre-training: CD-k with SGD, momentum and weight decay, as Hinton's guide uses them. */
    public record Pretraining(int epochs, int k, float lr, float momentum, float weightDecay) {}

    /** RBMs for the layer sizes {@code sizes[0] → sizes[1] → ...}. */
    public static List<Rbm> stack(int[] sizes, Backend backend, Generator gen) {
        if (sizes.length < 2) throw new IllegalArgumentException("DBN: needs at least two layer sizes, got " + sizes.length);
        List<Rbm> rbms = new ArrayList<>();
        for (int i = 0; i + 1 < sizes.length; i++) rbms.add(new Rbm(sizes[i], sizes[i + 1], Rbm.Visible.BERNOULLI, backend, gen));
        return rbms;
    }

    /**
     * Greedy layer-wise pre-training: layer {@code l} trains for {@code p.epochs()} epochs on {@code loader}'s
     * inputs passed up through layers {@code 0..l-1}, its visible biases started at the marginals of {@code monitor}
     * passed up likewise; {@code log} gets each layer's index and epoch monitors.
     */
    public static void pretrain(List<Rbm> rbms, DataLoader loader, Tensor monitor, Pretraining p, Generator gen,
                                BiConsumer<Integer, RbmTraining.EpochStats> log) {
        for (int l = 0; l < rbms.size(); l++) {
            Rbm rbm = rbms.get(l);
            List<Rbm> under = rbms.subList(0, l);
            Sgd sgd = Sgd.options().lr(p.lr()).momentum(p.momentum()).weightDecay(p.weightDecay()).build(rbm.parameters());
            RbmTraining t = new RbmTraining(rbm, sgd, p.k(), false, gen).below(x -> up(under, x));
            rbm.initVisibleBias(t.prepare(monitor));
            for (int e = 0; e < p.epochs(); e++) log.accept(l, t.epoch(loader, e, monitor));
        }
    }

    /** {@code x} through the hidden probabilities of {@code rbms} in turn. */
    static Tensor up(List<Rbm> rbms, Tensor x) {
        Tensor h = x;
        for (Rbm r : rbms) h = r.hiddenProbs(h);
        return h;
    }

    /** The sigmoid MLP {@code sizes[0]-...-sizes[n]-classes} a DBN unrolls into, randomly initialized. */
    public static Sequential network(int[] sizes, int classes, Backend backend, Generator gen) {
        Sequential net = new Sequential(new Flatten());
        for (int i = 0; i + 1 < sizes.length; i++) {
            net.add(new Linear(sizes[i], sizes[i + 1], true, Init.Scheme.PYTORCH_DEFAULT, backend, gen)).add(Activation.sigmoid());
        }
        return net.add(new Linear(sizes[sizes.length - 1], classes, true, Init.Scheme.PYTORCH_DEFAULT, backend, gen));
    }

    /** Copies each RBM's {@code Wᵀ} and hidden bias into the matching hidden layer of {@link #network}; the head stays. */
    public static void unrollInto(List<Rbm> rbms, Sequential net) {
        List<Linear> layers = new ArrayList<>();
        for (var m : net.children().values()) {
            if (m instanceof Linear lin) layers.add(lin);
        }
        if (layers.size() != rbms.size() + 1) {
            throw new IllegalArgumentException("DBN: " + rbms.size() + " RBMs need a network of " + (rbms.size() + 1)
                    + " linear layers, got " + layers.size());
        }
        try (NoGrad ignored = NoGrad.enter()) {
            for (int i = 0; i < rbms.size(); i++) {
                Rbm r = rbms.get(i);
                Linear lin = layers.get(i);
                if (lin.weight().dim(0) != r.hidden() || lin.weight().dim(1) != r.visible()) {
                    throw new IllegalArgumentException("DBN: layer " + i + " is " + lin.weight().dim(1) + "->" + lin.weight().dim(0)
                            + " but its RBM is " + r.visible() + "->" + r.hidden());
                }
                r.weight().t().contiguous().copyTo(lin.weight().storage());
                r.hiddenBias().copyTo(lin.bias().storage());
            }
        }
    }
}

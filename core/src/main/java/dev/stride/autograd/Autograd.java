package dev.stride.autograd;

import dev.stride.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The define-by-run tape: ops record a {@link Node}; {@link #backward} walks it in reverse topological order. */
public final class Autograd {
    private Autograd() {}

    /** Whether an op on these inputs must record its backward. */
    public static boolean needsGrad(Tensor... inputs) {
        if (!NoGrad.isGradEnabled()) return false;
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) return true;
        }
        return false;
    }

    /** Attaches {@code backward} to {@code out} when any input requires a gradient; returns {@code out}. */
    public static Tensor record(String op, Tensor out, Node.Backward backward, Tensor... inputs) {
        if (needsGrad(inputs)) out.setGradFn(new Node(op, inputs, backward));
        return out;
    }

    /** {@link #record} for a slice of {@code input}: see {@link Node.Region}. */
    public static Tensor recordSlice(Tensor out, Node.Backward backward, Tensor input, int axis, int start, int end) {
        if (needsGrad(input)) out.setGradFn(new Node("slice", new Tensor[] {input}, backward, new Node.Region(axis, start, end)));
        return out;
    }

    /**
     * Back-propagates {@code grad} (the gradient of some scalar with respect to {@code root}) and
     * accumulates into {@link Tensor#grad()} of every leaf that requires a gradient. Afterwards the graph is
     * released: its nodes drop the tensors their gradient rules saved, as PyTorch does without retain_graph.
     */
    public static void backward(Tensor root, Tensor grad) {
        List<Tensor> order = topologicalOrder(root);
        try {
            propagate(order, root, grad);
        } finally {
            for (Tensor t : order) {
                Node n = t.gradFn();
                if (n != null) t.setGradFn(Node.released(n.op()));
            }
        }
    }

    private static void propagate(List<Tensor> order, Tensor root, Tensor grad) {
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        // Gradient sums this pass allocated itself: only these may be added to in place.
        Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
        grads.put(root, grad);
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor t : order) {
                Tensor g = grads.remove(t);
                if (g == null) continue;
                Node node = t.gradFn();
                if (node == null) {
                    if (t.requiresGrad()) t.accumulateGrad(g);
                    continue;
                }
                if (node.region() != null) {
                    Tensor in = node.inputs()[0];
                    if (in.requiresGrad()) addInto(grads, owned, in, node.region(), g);
                    continue;
                }
                Tensor[] inGrads = node.backward().apply(g);
                for (int i = 0; i < node.inputs().length; i++) {
                    Tensor in = node.inputs()[i];
                    if (in == null || !in.requiresGrad() || inGrads[i] == null) continue;
                    Tensor gi = inGrads[i].sumTo(in.shape());
                    Tensor before = grads.get(in);
                    if (before == null) {
                        grads.put(in, gi);
                    } else {
                        Tensor sum = before.add(gi);
                        owned.add(sum);
                        grads.put(in, sum);
                    }
                }
            }
        }
    }

    /** Adds {@code g} into {@code region} of {@code in}'s gradient sum, made (or copied) into one this pass owns. */
    private static void addInto(Map<Tensor, Tensor> grads, Set<Tensor> owned, Tensor in, Node.Region region, Tensor g) {
        Tensor acc = grads.get(in);
        if (acc == null || !owned.contains(acc)) {
            Tensor fresh = acc == null ? Tensor.zeros(g.backend(), in.shape()) : acc.contiguous().clone();
            owned.add(fresh);
            grads.put(in, fresh);
            acc = fresh;
        }
        Tensor part = acc.slice(region.axis(), region.start(), region.end());
        part.assign(part.add(g));
    }

    /** Root first; every tensor before the inputs it was computed from. */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> post = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = t.gradFn() == null ? new Tensor[0] : t.gradFn().inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && in.requiresGrad() && seen.add(in)) stack.push(new Object[] {in, 0});
            } else {
                stack.pop();
                post.add(t);
            }
        }
        Collections.reverse(post);
        return post;
    }
}

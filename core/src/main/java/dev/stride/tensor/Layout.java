package dev.stride.tensor;

import dev.stride.autograd.Autograd;
import java.util.Arrays;

/** Shape arithmetic behind {@link Tensor}'s reshapes, reductions and joins. */
final class Layout {
    private Layout() {}

    static int[] resolveReshape(int[] shape, int[] newShape) {
        long numel = Shape.numel(shape);
        int[] target = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1 && infer < 0) infer = i;
            else if (target[i] < 0) throw new IllegalArgumentException("reshape: invalid shape " + Shape.str(newShape));
            else known *= target[i];
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(shape) + " to " + Shape.str(newShape));
            }
            target[infer] = (int) (numel / known);
        }
        if (Shape.numel(target) != numel) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(shape) + " (" + numel
                    + " elements) to " + Shape.str(newShape));
        }
        return target;
    }

    static int[] allAxes(int rank) {
        int[] ax = new int[rank];
        for (int i = 0; i < ax.length; i++) ax[i] = i;
        return ax;
    }

    static int[] normalizeAxes(int rank, String op, int[] axes) {
        int[] ax = new int[axes.length];
        for (int i = 0; i < axes.length; i++) ax[i] = Shape.axis(op, axes[i], rank);
        Arrays.sort(ax);
        for (int i = 1; i < ax.length; i++) {
            if (ax[i] == ax[i - 1]) throw new IllegalArgumentException(op + ": axis repeated in " + Arrays.toString(axes));
        }
        return ax;
    }

    static int[] keptShape(int[] shape, int[] axes) {
        int[] s = shape.clone();
        for (int a : axes) s[a] = 1;
        return s;
    }

    static int[] dropAxes(int[] shape, int[] axes) {
        int[] s = new int[shape.length - axes.length];
        int j = 0;
        for (int i = 0; i < shape.length; i++) {
            if (Arrays.binarySearch(axes, i) < 0) s[j++] = shape[i];
        }
        return s;
    }

    static Tensor cat(int axis, Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("cat: no tensors");
        Tensor first = parts[0];
        int a = Shape.axis("cat", axis, first.rank());
        int[] shape = first.shape();
        int total = 0;
        for (Tensor p : parts) {
            int[] s = p.shape();
            boolean ok = s.length == shape.length && p.dtype() == first.dtype();
            for (int i = 0; ok && i < s.length; i++) ok = i == a || s[i] == shape[i];
            if (!ok) throw new IllegalArgumentException("cat: shape " + Shape.str(s) + " does not join " + Shape.str(shape) + " along axis " + a);
            total += s[a];
        }
        shape[a] = total;
        Tensor out = Tensor.make(first.backend().allocate(first.dtype(), Shape.numel(shape)), shape);
        int[] starts = new int[parts.length];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            starts[i] = at;
            out.detach().sliceView(a, at, at + parts[i].dim(a)).assign(parts[i]);
            at += parts[i].dim(a);
        }
        return Autograd.record("cat", out, g -> {
            Tensor[] grads = new Tensor[parts.length];
            for (int i = 0; i < parts.length; i++) grads[i] = g.slice(a, starts[i], starts[i] + parts[i].dim(a));
            return grads;
        }, parts);
    }
}

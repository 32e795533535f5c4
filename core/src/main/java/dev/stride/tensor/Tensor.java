package dev.stride.tensor;

import dev.stride.autograd.Autograd;
import dev.stride.autograd.Node;
import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.backend.BinaryOp;
import dev.stride.backend.Distribution;
import dev.stride.backend.ReduceOp;
import dev.stride.backend.Storage;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.View;
import dev.stride.random.Generator;
import java.util.Arrays;

/**
 * An n-dimensional array on one backend, with an optional gradient. Views (reshape of contiguous data,
 * transpose, permute, slice, expand) share storage and differ only in offset, shape and strides.
 * Every op checks its shapes first and names itself and the shapes when they are wrong.
 * Differentiable ops record their gradient rule right where they compute the forward value.
 */
public final class Tensor {
    private final Storage storage;
    private final long offset;
    private final int[] shape;
    private final long[] strides;
    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    private Tensor(Storage storage, long offset, int[] shape, long[] strides) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    // ---- creation ----

    /** A tensor over all of {@code storage}, read as contiguous with {@code shape}. */
    public static Tensor wrap(Storage storage, DType dtype, int... shape) {
        if (storage.dtype() != dtype) {
            throw new IllegalArgumentException("wrap: storage holds " + storage.dtype() + ", not " + dtype);
        }
        if (Shape.numel(shape) > storage.numel()) {
            throw new IllegalArgumentException("wrap: shape " + Shape.str(shape) + " needs " + Shape.numel(shape)
                    + " elements but the storage holds " + storage.numel());
        }
        return new Tensor(storage, 0, shape.clone(), Shape.contiguousStrides(shape));
    }

    public static Tensor fromView(View v) {
        return new Tensor(v.storage(), v.offset(), v.shape().clone(), v.strides().clone());
    }

    public static Tensor of(float[] data, int... shape) {
        return of(Backends.defaultBackend(), data, shape);
    }

    public static Tensor of(Backend backend, float[] data, int... shape) {
        checkLength("of", data.length, shape);
        Storage s = backend.allocate(DType.F32, data.length);
        backend.write(s, 0, data, 0, data.length);
        return wrap(s, DType.F32, shape);
    }

    /** An I32 tensor, for labels and indices. */
    public static Tensor ofInts(int[] data, int... shape) {
        return ofInts(Backends.defaultBackend(), data, shape);
    }

    public static Tensor ofInts(Backend backend, int[] data, int... shape) {
        checkLength("ofInts", data.length, shape);
        Storage s = backend.allocate(DType.I32, data.length);
        backend.write(s, 0, data, 0, data.length);
        return wrap(s, DType.I32, shape);
    }

    public static Tensor zeros(int... shape) {
        return zeros(Backends.defaultBackend(), shape);
    }

    public static Tensor zeros(Backend backend, int... shape) {
        checkShape("zeros", shape);
        return wrap(backend.allocate(DType.F32, Shape.numel(shape)), DType.F32, shape);
    }

    public static Tensor full(Backend backend, float value, int... shape) {
        Tensor t = zeros(backend, shape);
        if (value != 0) backend.fill(t.storage, 0, t.numel(), value);
        return t;
    }

    public static Tensor scalar(Backend backend, float value) {
        return full(backend, value, new int[0]);
    }

    /** Uniform on [low, high) from {@code gen}'s Philox stream. */
    public static Tensor rand(Backend backend, Generator gen, float low, float high, int... shape) {
        return random(backend, gen, Distribution.UNIFORM, low, high, shape);
    }

    /** Normal with {@code mean} and {@code std} from {@code gen}'s Philox stream. */
    public static Tensor randn(Backend backend, Generator gen, float mean, float std, int... shape) {
        return random(backend, gen, Distribution.NORMAL, mean, std, shape);
    }

    private static Tensor random(Backend backend, Generator gen, Distribution d, float a, float b, int[] shape) {
        Tensor t = zeros(backend, shape);
        long n = t.numel();
        backend.random(d, gen.seed(), gen.advance(d.counters(n)), a, b, t.storage, n);
        return t;
    }

    private static void checkShape(String op, int[] shape) {
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + Shape.str(shape));
        }
    }

    private static void checkLength(String op, int length, int[] shape) {
        checkShape(op, shape);
        if (Shape.numel(shape) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + Shape.str(shape)
                    + " (" + Shape.numel(shape) + " elements)");
        }
    }

    // ---- accessors ----

    public Backend backend() {
        return storage.backend();
    }

    public Storage storage() {
        return storage;
    }

    public DType dtype() {
        return storage.dtype();
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[Shape.axis("dim", axis, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        return Shape.numel(shape);
    }

    public View view() {
        return new View(storage, offset, shape, strides);
    }

    public boolean isContiguous() {
        return Shape.isContiguous(shape, strides);
    }

    public boolean requiresGrad() {
        return requiresGrad || gradFn != null;
    }

    /** Marks a leaf tensor as a parameter whose gradient {@code backward()} accumulates. */
    public Tensor requiresGrad(boolean on) {
        if (gradFn != null) throw new IllegalStateException("requiresGrad: only leaf tensors can be marked");
        requiresGrad = on;
        return this;
    }

    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor g) {
        grad = g;
    }

    public Node gradFn() {
        return gradFn;
    }

    public void setGradFn(Node node) {
        gradFn = node;
    }

    /** Adds {@code g} into this leaf's gradient, keeping it dense so optimizers can read its storage. */
    public void accumulateGrad(Tensor g) {
        Tensor sum = grad == null ? g : grad.add(g);
        grad = sum.contiguous();
    }

    /** The same data with no gradient history. */
    public Tensor detach() {
        return new Tensor(storage, offset, shape, strides);
    }

    public float[] toFloatArray() {
        requireDType("toFloatArray", DType.F32);
        Tensor c = contiguous();
        float[] out = new float[Math.toIntExact(numel())];
        backend().read(c.storage, 0, out, 0, out.length);
        return out;
    }

    public int[] toIntArray() {
        requireDType("toIntArray", DType.I32);
        Tensor c = contiguous();
        int[] out = new int[Math.toIntExact(numel())];
        backend().read(c.storage, 0, out, 0, out.length);
        return out;
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalArgumentException("item: tensor of shape " + Shape.str(shape) + " is not one element");
        return toFloatArray()[0];
    }

    @Override
    public String toString() {
        String data = numel() <= 16 ? (dtype() == DType.F32 ? Arrays.toString(toFloatArray()) : Arrays.toString(toIntArray())) : "...";
        return "Tensor" + Shape.str(shape) + dtype() + " " + data;
    }

    // ---- layout ----

    /**
     * A tensor whose storage holds exactly its elements row-major from index 0: this one when that already holds,
     * otherwise a copy. Gradients flow through the copy.
     */
    public Tensor contiguous() {
        if (offset == 0 && isContiguous() && storage.numel() == numel()) return this;
        Storage out = backend().allocate(dtype(), numel());
        backend().copy(view(), View.contiguous(out, shape));
        return Autograd.record("contiguous", new Tensor(out, 0, shape.clone(), Shape.contiguousStrides(shape)),
                g -> new Tensor[] {g}, this);
    }

    /** Writes this tensor's elements, row-major, into {@code dst} from index 0. */
    public void copyTo(Storage dst) {
        if (dst.numel() < numel()) {
            throw new IllegalArgumentException("copyTo: " + numel() + " elements do not fit a storage of " + dst.numel());
        }
        backend().copy(view(), View.contiguous(dst, shape));
    }

    /** Same elements, new shape; one dimension may be -1. Copies only when the layout is not contiguous. */
    public Tensor reshape(int... newShape) {
        int[] target = Layout.resolveReshape(shape, newShape);
        Tensor src = isContiguous() ? this : contiguous();
        int[] from = shape;
        Tensor out = new Tensor(src.storage, src.offset, target, Shape.contiguousStrides(target));
        return Autograd.record("reshape", out, g -> new Tensor[] {g.reshape(from)}, src);
    }

    /** Flattens dimensions {@code from..end} into one. */
    public Tensor flatten(int from) {
        int a = Shape.axis("flatten", from, shape.length);
        int[] s = Arrays.copyOf(shape, a + 1);
        s[a] = -1;
        if (numel() == 0) s[a] = 0;
        return reshape(s);
    }

    public Tensor permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " does not match rank of " + Shape.str(shape));
        }
        int[] s = new int[order.length];
        long[] st = new long[order.length];
        int[] inverse = new int[order.length];
        boolean[] used = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int a = Shape.axis("permute", order[i], shape.length);
            if (used[a]) throw new IllegalArgumentException("permute: axis repeated in " + Arrays.toString(order));
            used[a] = true;
            s[i] = shape[a];
            st[i] = strides[a];
            inverse[a] = i;
        }
        return Autograd.record("permute", new Tensor(storage, offset, s, st), g -> new Tensor[] {g.permute(inverse)}, this);
    }

    public Tensor transpose(int a, int b) {
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        int x = Shape.axis("transpose", a, shape.length);
        int y = Shape.axis("transpose", b, shape.length);
        order[x] = y;
        order[y] = x;
        return permute(order);
    }

    /** The transpose of a matrix. */
    public Tensor t() {
        if (shape.length != 2) throw new IllegalArgumentException("t: expects a matrix, got shape " + Shape.str(shape));
        return transpose(0, 1);
    }

    /** Elements {@code [start, end)} along {@code axis}, as a view. */
    public Tensor slice(int axis, int start, int end) {
        int a = Shape.axis("slice", axis, shape.length);
        if (start < 0 || end > shape[a] || start > end) {
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") is outside axis " + a
                    + " of shape " + Shape.str(shape));
        }
        int[] s = shape.clone();
        s[a] = end - start;
        Tensor out = new Tensor(storage, offset + start * strides[a], s, strides.clone());
        int[] full = shape.clone();
        return Autograd.record("slice", out, g -> {
            Tensor z = zeros(g.backend(), full);
            z.slice(a, start, end).assign(g);
            return new Tensor[] {z};
        }, this);
    }

    /** Copies {@code src} (broadcast to this shape) into this view, without recording a gradient. */
    public void assign(Tensor src) {
        int[] target = Shape.broadcast("assign", shape, src.shape);
        if (!Arrays.equals(target, shape)) {
            throw new IllegalArgumentException("assign: shape " + Shape.str(src.shape) + " does not fit " + Shape.str(shape));
        }
        View from = new View(src.storage, src.offset, shape, Shape.broadcastStrides(src.shape, src.strides, shape));
        backend().copy(from, view());
    }

    /** A broadcast view with {@code target} shape (stride 0 along broadcast dimensions). */
    public Tensor expand(int... target) {
        int[] s = Shape.broadcast("expand", shape, target);
        if (!Arrays.equals(s, target)) {
            throw new IllegalArgumentException("expand: shape " + Shape.str(shape) + " does not expand to " + Shape.str(target));
        }
        Tensor out = new Tensor(storage, offset, target.clone(), Shape.broadcastStrides(shape, strides, target));
        return Autograd.record("expand", out, g -> new Tensor[] {g}, this);
    }

    /** Sums a broadcast gradient back to {@code target}, the shape it was broadcast from. */
    public Tensor sumTo(int[] target) {
        if (Arrays.equals(shape, target)) return this;
        int lead = shape.length - target.length;
        int[] axes = new int[shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) axes[n++] = i;
        }
        return sum(Arrays.copyOf(axes, n), false).reshape(target);
    }

    // ---- elementwise ----

    public Tensor add(Tensor o) {
        Tensor out = binary("add", BinaryOp.ADD, this, o);
        return Autograd.record("add", out, g -> new Tensor[] {g, g}, this, o);
    }

    public Tensor sub(Tensor o) {
        Tensor out = binary("sub", BinaryOp.SUB, this, o);
        return Autograd.record("sub", out, g -> new Tensor[] {g, g.neg()}, this, o);
    }

    public Tensor mul(Tensor o) {
        Tensor out = binary("mul", BinaryOp.MUL, this, o);
        return Autograd.record("mul", out, g -> new Tensor[] {g.mul(o), g.mul(this)}, this, o);
    }

    public Tensor div(Tensor o) {
        Tensor out = binary("div", BinaryOp.DIV, this, o);
        return Autograd.record("div", out, g -> new Tensor[] {g.div(o), g.mul(out).div(o).neg()}, this, o);
    }

    /** Elementwise maximum; where equal, the gradient goes to {@code this}. */
    public Tensor maximum(Tensor o) {
        Tensor out = binary("maximum", BinaryOp.MAX, this, o);
        return Autograd.record("maximum", out, g -> {
            Tensor mask = binary("maximum", BinaryOp.LT, this, o);
            return new Tensor[] {g.mul(mask.rsub(1)), g.mul(mask)};
        }, this, o);
    }

    /** Elementwise minimum; where equal, the gradient goes to {@code this}. */
    public Tensor minimum(Tensor o) {
        Tensor out = binary("minimum", BinaryOp.MIN, this, o);
        return Autograd.record("minimum", out, g -> {
            Tensor mask = binary("minimum", BinaryOp.GT, this, o);
            return new Tensor[] {g.mul(mask.rsub(1)), g.mul(mask)};
        }, this, o);
    }

    /** Clamps into {@code [lo, hi]}. */
    public Tensor clamp(float lo, float hi) {
        return maximum(constant(lo)).minimum(constant(hi));
    }

    /** {@code this^p} for a constant exponent. */
    public Tensor pow(float p) {
        Tensor out = binary("pow", BinaryOp.POW, this, constant(p));
        return Autograd.record("pow", out, g -> new Tensor[] {g.mul(pow(p - 1)).mul(p)}, this);
    }

    public Tensor add(float c) {
        return add(constant(c));
    }

    public Tensor sub(float c) {
        return sub(constant(c));
    }

    /** {@code c - this}. */
    public Tensor rsub(float c) {
        return constant(c).sub(this);
    }

    public Tensor mul(float c) {
        return mul(constant(c));
    }

    public Tensor div(float c) {
        return div(constant(c));
    }

    /** 1 where {@code this > o}, else 0; no gradient. */
    public Tensor gt(Tensor o) {
        return binary("gt", BinaryOp.GT, this, o);
    }

    /** 1 where {@code this == o}, else 0; no gradient. */
    public Tensor eq(Tensor o) {
        return binary("eq", BinaryOp.EQ, this, o);
    }

    public Tensor neg() {
        return Autograd.record("neg", unary(UnaryOp.NEG), g -> new Tensor[] {g.neg()}, this);
    }

    public Tensor abs() {
        return Autograd.record("abs", unary(UnaryOp.ABS), g -> new Tensor[] {g.mul(unary(UnaryOp.SIGN))}, this);
    }

    public Tensor exp() {
        Tensor out = unary(UnaryOp.EXP);
        return Autograd.record("exp", out, g -> new Tensor[] {g.mul(out)}, this);
    }

    public Tensor log() {
        return Autograd.record("log", unary(UnaryOp.LOG), g -> new Tensor[] {g.div(this)}, this);
    }

    public Tensor sqrt() {
        Tensor out = unary(UnaryOp.SQRT);
        return Autograd.record("sqrt", out, g -> new Tensor[] {g.div(out).mul(0.5f)}, this);
    }

    public Tensor square() {
        return Autograd.record("square", unary(UnaryOp.SQUARE), g -> new Tensor[] {g.mul(this).mul(2f)}, this);
    }

    public Tensor reciprocal() {
        Tensor out = unary(UnaryOp.RECIPROCAL);
        return Autograd.record("reciprocal", out, g -> new Tensor[] {g.mul(out.square()).neg()}, this);
    }

    public Tensor relu() {
        return Autograd.record("relu", unary(UnaryOp.RELU), g -> new Tensor[] {g.mul(unary(UnaryOp.STEP))}, this);
    }

    public Tensor sigmoid() {
        Tensor out = unary(UnaryOp.SIGMOID);
        return Autograd.record("sigmoid", out, g -> new Tensor[] {g.mul(out).mul(out.rsub(1))}, this);
    }

    public Tensor tanh() {
        Tensor out = unary(UnaryOp.TANH);
        return Autograd.record("tanh", out, g -> new Tensor[] {g.mul(out.square().rsub(1))}, this);
    }

    /** The error function; gradient {@code 2/sqrt(pi)·exp(-x²)}. */
    public Tensor erf() {
        return Autograd.record("erf", unary(UnaryOp.ERF),
                g -> new Tensor[] {g.mul(square().neg().exp().mul((float) (2 / Math.sqrt(Math.PI))))}, this);
    }

    // ---- reductions ----

    public Tensor sum() {
        return sum(Layout.allAxes(shape.length), false);
    }

    /** Sums over {@code axes}; keeps them as size-1 dimensions when {@code keepDim}. */
    public Tensor sum(int[] axes, boolean keepDim) {
        int[] ax = Layout.normalizeAxes(shape.length, "sum", axes);
        Tensor out = reduce(ReduceOp.SUM, ax, keepDim, DType.F32);
        int[] kept = Layout.keptShape(shape, ax);
        int[] in = shape;
        return Autograd.record("sum", out, g -> new Tensor[] {g.reshape(kept).expand(in)}, this);
    }

    public Tensor sum(int axis, boolean keepDim) {
        return sum(new int[] {axis}, keepDim);
    }

    public Tensor mean() {
        return mean(Layout.allAxes(shape.length), false);
    }

    public Tensor mean(int[] axes, boolean keepDim) {
        int[] ax = Layout.normalizeAxes(shape.length, "mean", axes);
        long count = 1;
        for (int a : ax) count *= shape[a];
        return sum(ax, keepDim).div((float) count);
    }

    public Tensor mean(int axis, boolean keepDim) {
        return mean(new int[] {axis}, keepDim);
    }

    /** Maximum along {@code axis}; ties share the gradient equally. */
    public Tensor max(int axis, boolean keepDim) {
        int[] ax = Layout.normalizeAxes(shape.length, "max", new int[] {axis});
        Tensor out = reduce(ReduceOp.MAX, ax, keepDim, DType.F32);
        int[] kept = Layout.keptShape(shape, ax);
        return Autograd.record("max", out, g -> {
            Tensor mask = eq(out.detach().reshape(kept));
            Tensor share = mask.div(mask.sum(ax, true));
            return new Tensor[] {share.mul(g.reshape(kept))};
        }, this);
    }

    /** Index of the first maximum along {@code axis}, as I32; no gradient. */
    public Tensor argmax(int axis, boolean keepDim) {
        return reduce(ReduceOp.ARGMAX, Layout.normalizeAxes(shape.length, "argmax", new int[] {axis}), keepDim, DType.I32);
    }

    /** Numerically stable {@code log(softmax(x))} along {@code axis}. */
    public Tensor logSoftmax(int axis) {
        Tensor z = sub(max(axis, true).detach());
        return z.sub(z.exp().sum(axis, true).log());
    }

    public Tensor softmax(int axis) {
        Tensor z = sub(max(axis, true).detach()).exp();
        return z.div(z.sum(axis, true));
    }

    /** Joins same-shaped tensors (except along {@code axis}) into one; the gradient splits back. */
    public static Tensor cat(int axis, Tensor... parts) {
        return Layout.cat(axis, parts);
    }

    /** A view of {@code [start, end)} along {@code axis} that records no gradient. */
    Tensor sliceView(int axis, int start, int end) {
        int[] s = shape.clone();
        s[axis] = end - start;
        return new Tensor(storage, offset + start * strides[axis], s, strides.clone());
    }

    // ---- indexing ----

    /** For a matrix {@code [N, C]} and I32 {@code index [N]}: {@code out[r] = this[r, index[r]]}. */
    public Tensor gatherRows(Tensor index) {
        if (shape.length != 2 || index.rank() != 1 || index.dim(0) != shape[0] || index.dtype() != DType.I32) {
            throw new IllegalArgumentException("gatherRows: expects a matrix [N, C] and I32 indices [N], got "
                    + Shape.str(shape) + " and " + Shape.str(index.shape) + " " + index.dtype());
        }
        Tensor x = contiguous();
        Tensor idx = index.contiguous();
        int rows = shape[0];
        int cols = shape[1];
        Storage out = backend().allocate(DType.F32, rows);
        backend().gather(x.storage, idx.storage, out, rows, cols);
        return Autograd.record("gatherRows", wrap(out, DType.F32, rows), g -> {
            Tensor z = zeros(g.backend(), rows, cols);
            backend().scatterAdd(g.contiguous().storage, idx.storage, z.storage, rows, cols);
            return new Tensor[] {z};
        }, this);
    }

    // ---- matrix products ----

    /**
     * Matrix product over the last two dimensions: {@code [M,K] @ [K,N]}, {@code [B,M,K] @ [B,K,N]} and
     * {@code [B,M,K] @ [K,N]}. Transposed views are passed to GEMM as flags, not copied.
     */
    public Tensor matmul(Tensor o) {
        MatMul.check(this, o);
        Tensor out = MatMul.forward(this, o);
        // A gradient is made in its operand's layout, so that the gradient of a transposed weight view (Linear's
        // W.t()) reaches the weight contiguous instead of being copied there on every step.
        return Autograd.record("matmul", out, g -> new Tensor[] {
            !requiresGrad() ? null : MatMul.transposedLayout(this)
                    ? MatMul.forward(o, g.transpose(-1, -2)).transpose(-1, -2)
                    : MatMul.forward(g, o.transpose(-1, -2)),
            !o.requiresGrad() ? null : MatMul.transposedLayout(o)
                    ? MatMul.forward(g.transpose(-1, -2), this).transpose(-1, -2)
                    : MatMul.forward(this.transpose(-1, -2), g)}, this, o);
    }

    // ---- autograd ----

    /** Back-propagates from this scalar, accumulating {@code grad} of every leaf that requires one. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalArgumentException("backward: needs a scalar, got shape " + Shape.str(shape) + "; use backward(grad)");
        }
        backward(full(backend(), 1f, shape));
    }

    public void backward(Tensor gradOutput) {
        if (!Arrays.equals(gradOutput.shape, shape)) {
            throw new IllegalArgumentException("backward: gradient shape " + Shape.str(gradOutput.shape)
                    + " does not match tensor shape " + Shape.str(shape));
        }
        if (!requiresGrad()) throw new IllegalStateException("backward: tensor does not require a gradient");
        Autograd.backward(this, gradOutput);
    }

    // ---- helpers ----

    private Tensor constant(float c) {
        return scalar(backend(), c);
    }

    private void requireDType(String op, DType t) {
        if (dtype() != t) throw new IllegalArgumentException(op + ": expects " + t + ", tensor is " + dtype() + " " + Shape.str(shape));
    }

    private Tensor unary(UnaryOp op) {
        requireDType(op.name().toLowerCase(), DType.F32);
        Storage out = backend().allocate(DType.F32, numel());
        backend().unary(op, view(), out);
        return new Tensor(out, 0, shape.clone(), Shape.contiguousStrides(shape));
    }

    private static Tensor binary(String name, BinaryOp op, Tensor a, Tensor b) {
        if (a.dtype() != DType.F32 || b.dtype() != DType.F32) {
            throw new IllegalArgumentException(name + ": expects F32 operands, got " + a.dtype() + " " + Shape.str(a.shape)
                    + " and " + b.dtype() + " " + Shape.str(b.shape));
        }
        if (a.backend() != b.backend()) {
            throw new IllegalArgumentException(name + ": operands live on different backends (" + a.backend().name()
                    + ", " + b.backend().name() + ")");
        }
        int[] s = Shape.broadcast(name, a.shape, b.shape);
        View va = new View(a.storage, a.offset, s, Shape.broadcastStrides(a.shape, a.strides, s));
        View vb = new View(b.storage, b.offset, s, Shape.broadcastStrides(b.shape, b.strides, s));
        Storage out = a.backend().allocate(DType.F32, Shape.numel(s));
        a.backend().binary(op, va, vb, out);
        return new Tensor(out, 0, s, Shape.contiguousStrides(s));
    }

    private Tensor reduce(ReduceOp op, int[] axes, boolean keepDim, DType outType) {
        requireDType(op.name().toLowerCase(), DType.F32);
        int[] kept = Layout.keptShape(shape, axes);
        int[] outShape = keepDim ? kept : Layout.dropAxes(shape, axes);
        Storage out = backend().allocate(outType, Shape.numel(outShape));
        backend().reduce(op, view(), axes, out);
        return new Tensor(out, 0, outShape, Shape.contiguousStrides(outShape));
    }

    long offset() {
        return offset;
    }

    long[] strides() {
        return strides;
    }

    static Tensor make(Storage storage, int... shape) {
        return new Tensor(storage, 0, shape, Shape.contiguousStrides(shape));
    }
}

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
public final class Tensor implements AutoCloseable {
    private Storage storage;
    private long offset;
    private final int[] shape;
    private long[] strides;
    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;
    private MemoryScope owner;
    private boolean closed;

    /**
     * Each tensor holds one reference to its storage: {@code adopt} takes over the caller's (a fresh allocation),
     * otherwise a new one is added (a view). The innermost open {@link MemoryScope} of this thread owns the tensor.
     */
    private Tensor(Storage storage, long offset, int[] shape, long[] strides, boolean adopt) {
        if (!adopt) storage.retain();
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        this.owner = MemoryScope.current();
        if (owner != null) owner.add(this);
    }

    private Tensor view(String op, long offset, int[] shape, long[] strides) {
        live(op);
        return new Tensor(storage, offset, shape, strides, false);
    }

    static Tensor make(Storage storage, int... shape) {
        return new Tensor(storage, 0, shape, Shape.contiguousStrides(shape), true);
    }

    // ---- creation ----

    /**
     * A tensor over {@code storage}, read as contiguous with {@code shape}. It adds its own reference: the caller
     * keeps (and still releases) the one it had.
     */
    public static Tensor wrap(Storage storage, DType dtype, int... shape) {
        checkWrap(storage, dtype, shape);
        return new Tensor(storage, 0, shape.clone(), Shape.contiguousStrides(shape), false);
    }

    /** As {@link #wrap}, but the tensor takes over the caller's reference: for a storage just allocated. */
    public static Tensor adopt(Storage storage, DType dtype, int... shape) {
        checkWrap(storage, dtype, shape);
        return new Tensor(storage, 0, shape.clone(), Shape.contiguousStrides(shape), true);
    }

    private static void checkWrap(Storage storage, DType dtype, int[] shape) {
        storage.checkOpen("wrap");
        if (storage.dtype() != dtype) {
            throw new IllegalArgumentException("wrap: storage holds " + storage.dtype() + ", not " + dtype);
        }
        if (Shape.numel(shape) > storage.numel()) {
            throw new IllegalArgumentException("wrap: shape " + Shape.str(shape) + " needs " + Shape.numel(shape)
                    + " elements but the storage holds " + storage.numel());
        }
    }

    /** A tensor over a backend view; it adds its own reference to the view's storage. */
    public static Tensor fromView(View v) {
        v.storage().checkOpen("fromView");
        return new Tensor(v.storage(), v.offset(), v.shape().clone(), v.strides().clone(), false);
    }

    public static Tensor of(float[] data, int... shape) {
        return of(Backends.defaultBackend(), data, shape);
    }

    public static Tensor of(Backend backend, float[] data, int... shape) {
        checkLength("of", data.length, shape);
        Storage s = backend.allocate(DType.F32, data.length);
        backend.write(s, 0, data, 0, data.length);
        return make(s, shape.clone());
    }

    /** An I32 tensor, for labels and indices. */
    public static Tensor ofInts(int[] data, int... shape) {
        return ofInts(Backends.defaultBackend(), data, shape);
    }

    public static Tensor ofInts(Backend backend, int[] data, int... shape) {
        checkLength("ofInts", data.length, shape);
        Storage s = backend.allocate(DType.I32, data.length);
        backend.write(s, 0, data, 0, data.length);
        return make(s, shape.clone());
    }

    public static Tensor zeros(int... shape) {
        return zeros(Backends.defaultBackend(), shape);
    }

    public static Tensor zeros(Backend backend, int... shape) {
        checkShape("zeros", shape);
        return make(backend.allocate(DType.F32, Shape.numel(shape)), shape.clone());
    }

    /** A new tensor of {@code type} for an op to write into (zero-filled, as {@link Backend#allocate} gives it). */
    public static Tensor empty(Backend backend, DType type, int... shape) {
        checkShape("empty", shape);
        return make(backend.allocate(type, Shape.numel(shape)), shape.clone());
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

    /** The backend's view of this tensor; fails when the tensor or its storage was closed. */
    public View view() {
        live("view");
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

    /**
     * Sets this leaf's gradient. The leaf owns it: {@code g} leaves its {@link MemoryScope}, and the gradient it
     * replaces is closed (so is one that {@code zeroGrad} clears).
     */
    public void setGrad(Tensor g) {
        if (g == grad) return;
        Tensor old = grad;
        grad = g == null ? null : g.persist();
        if (old != null) old.close();
    }

    public Node gradFn() {
        return gradFn;
    }

    public void setGradFn(Node node) {
        gradFn = node;
    }

    /**
     * Adds {@code g} into this leaf's gradient, keeping it dense so optimizers can read its storage. The gradient is
     * always a tensor of its own (possibly a view sharing {@code g}'s storage), so closing it never closes {@code g}.
     */
    public void accumulateGrad(Tensor g) {
        Tensor dense = (grad == null ? g : grad.add(g)).contiguous();
        setGrad(dense == g ? g.detach() : dense);
    }

    /** The same data with no gradient history: a new tensor over the same storage. */
    public Tensor detach() {
        return view("detach", offset, shape, strides);
    }

    /**
     * Takes this tensor out of its {@link MemoryScope}: it lives until {@link #close()} (or, as a safety net, until
     * the garbage collector finds its storage unreachable). For state that outlives a step.
     */
    public Tensor persist() {
        owner = null;
        return this;
    }

    /**
     * Drops this tensor's reference to its storage (freed when no other tensor uses it), its gradient and its
     * gradient history. Closing twice is harmless; using a closed tensor is an error that names the op.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        owner = null;
        gradFn = null;
        if (grad != null) grad.close();
        grad = null;
        storage.release();
    }

    public boolean isClosed() {
        return closed;
    }

    MemoryScope owner() {
        return owner;
    }

    void setOwner(MemoryScope scope) {
        owner = scope;
    }

    /** Fails, naming {@code op}, when this tensor or its storage was closed. */
    void live(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": tensor " + Shape.str(shape) + " over " + storage + " was used after it was closed");
        }
        storage.checkOpen(op);
    }

    /** Copies the elements to the host: a synchronizing read on an asynchronous backend. */
    public float[] toFloatArray() {
        requireDType("toFloatArray", DType.F32);
        Tensor c = contiguous();
        float[] out = new float[Math.toIntExact(numel())];
        backend().read(c.storage, 0, out, 0, out.length);
        if (c != this) c.close();
        return out;
    }

    public int[] toIntArray() {
        requireDType("toIntArray", DType.I32);
        Tensor c = contiguous();
        int[] out = new int[Math.toIntExact(numel())];
        backend().read(c.storage, 0, out, 0, out.length);
        if (c != this) c.close();
        return out;
    }

    // ---- moving between backends and types ----

    /** This tensor on {@code target} (itself when it is there already); the gradient flows back. */
    public Tensor to(Backend target) {
        live("to");
        if (target == backend()) return this;
        Tensor out = copyAcross(target);
        Backend from = backend();
        return Autograd.record("to", out, g -> new Tensor[] {g.to(from)}, this);
    }

    private Tensor copyAcross(Backend target) {
        int n = Math.toIntExact(numel());
        Storage s = target.allocate(dtype(), n);
        if (dtype() == DType.F32) target.write(s, 0, toFloatArray(), 0, n);
        else target.write(s, 0, toIntArray(), 0, n);
        return make(s, shape.clone());
    }

    /**
     * Moves this leaf's data (and its gradient) to {@code target} in place: the tensor keeps its identity, so
     * modules and optimizers that hold it follow. The old storage is released.
     */
    public void moveTo(Backend target) {
        live("moveTo");
        if (gradFn != null) throw new IllegalStateException("moveTo: only leaf tensors move in place; use to(backend)");
        if (target == backend()) return;
        Tensor moved = copyAcross(target).persist();
        Storage old = storage;
        storage = moved.storage;
        offset = 0;
        strides = Shape.contiguousStrides(shape);
        moved.storage = null;
        moved.closed = true;
        old.release();
        if (grad != null) grad.moveTo(target);
    }

    /** The elements converted to {@code type} (F32 to I32 truncates toward zero, as a Java cast); no gradient. */
    public Tensor to(DType type) {
        live("to");
        if (type == dtype()) return this;
        Storage out = backend().allocate(type, numel());
        backend().copy(view(), View.contiguous(out, shape));
        return make(out, shape.clone());
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalArgumentException("item: tensor of shape " + Shape.str(shape) + " is not one element");
        return toFloatArray()[0];
    }

    @Override
    public String toString() {
        if (closed || storage.isClosed()) return "Tensor" + Shape.str(shape) + dtype() + " (closed)";
        String data = numel() <= 16 ? (dtype() == DType.F32 ? Arrays.toString(toFloatArray()) : Arrays.toString(toIntArray())) : "...";
        return "Tensor" + Shape.str(shape) + dtype() + " " + data;
    }

    // ---- layout ----

    /**
     * A tensor whose storage holds exactly its elements row-major from index 0: this one when that already holds,
     * otherwise a copy. Gradients flow through the copy.
     */
    public Tensor contiguous() {
        live("contiguous");
        if (offset == 0 && isContiguous() && storage.numel() == numel()) return this;
        Storage out = backend().allocate(dtype(), numel());
        backend().copy(view(), View.contiguous(out, shape));
        return Autograd.record("contiguous", make(out, shape.clone()), g -> new Tensor[] {g}, this);
    }

    /** A contiguous copy in a storage of its own (as {@code torch.clone}); the gradient flows through. */
    @Override
    public Tensor clone() {
        live("clone");
        Storage out = backend().allocate(dtype(), numel());
        backend().copy(view(), View.contiguous(out, shape));
        return Autograd.record("clone", make(out, shape.clone()), g -> new Tensor[] {g}, this);
    }

    /** Writes this tensor's elements, row-major, into {@code dst} from index 0. */
    public void copyTo(Storage dst) {
        live("copyTo");
        dst.checkOpen("copyTo");
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
        Tensor out = src.view("reshape", src.offset, target, Shape.contiguousStrides(target));
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
        return Autograd.record("permute", view("permute", offset, s, st), g -> new Tensor[] {g.permute(inverse)}, this);
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
        Tensor out = view("slice", offset + start * strides[a], s, strides.clone());
        int[] full = shape.clone();
        return Autograd.recordSlice(out, g -> {
            Tensor z = zeros(g.backend(), full);
            z.slice(a, start, end).assign(g);
            return new Tensor[] {z};
        }, this, a, start, end);
    }

    /** Copies {@code src} (broadcast to this shape) into this view, without recording a gradient. */
    public void assign(Tensor src) {
        int[] target = Shape.broadcast("assign", shape, src.shape);
        if (!Arrays.equals(target, shape)) {
            throw new IllegalArgumentException("assign: shape " + Shape.str(src.shape) + " does not fit " + Shape.str(shape));
        }
        src.live("assign");
        sameBackend("assign", this, src);
        View from = new View(src.storage, src.offset, shape, Shape.broadcastStrides(src.shape, src.strides, shape));
        backend().copy(from, view());
    }

    /** A broadcast view with {@code target} shape (stride 0 along broadcast dimensions). */
    public Tensor expand(int... target) {
        int[] s = Shape.broadcast("expand", shape, target);
        if (!Arrays.equals(s, target)) {
            throw new IllegalArgumentException("expand: shape " + Shape.str(shape) + " does not expand to " + Shape.str(target));
        }
        Tensor out = view("expand", offset, target.clone(), Shape.broadcastStrides(shape, strides, target));
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

    /** Elementwise maximum; where equal, each side gets half the gradient (as {@code torch.maximum}). */
    public Tensor maximum(Tensor o) {
        Tensor out = binary("maximum", BinaryOp.MAX, this, o);
        return Autograd.record("maximum", out, g -> tieSplit(g, binary("maximum", BinaryOp.LT, this, o),
                binary("maximum", BinaryOp.GT, this, o), binary("maximum", BinaryOp.EQ, this, o)), this, o);
    }

    /** Elementwise minimum; where equal, each side gets half the gradient (as {@code torch.minimum}). */
    public Tensor minimum(Tensor o) {
        Tensor out = binary("minimum", BinaryOp.MIN, this, o);
        return Autograd.record("minimum", out, g -> tieSplit(g, binary("minimum", BinaryOp.GT, this, o),
                binary("minimum", BinaryOp.LT, this, o), binary("minimum", BinaryOp.EQ, this, o)), this, o);
    }

    /**
     * PyTorch's rule: each side gets g except where it lost, and g/2 at ties; with a NaN neither lost, so both get g.
     * {@code thisLost} and {@code otherLost} are 1 where that side lost.
     */
    private static Tensor[] tieSplit(Tensor g, Tensor thisLost, Tensor otherLost, Tensor tie) {
        Tensor half = tie.mul(0.5f);
        return new Tensor[] {g.mul(thisLost.add(half).rsub(1)), g.mul(otherLost.add(half).rsub(1))};
    }

    /** Clamps into {@code [lo, hi]}; the gradient passes where {@code lo <= x <= hi} (not at NaN), as torch.clamp's. */
    public Tensor clamp(float lo, float hi) {
        Tensor out = scalar("clamp", BinaryOp.MAX, lo).scalar("clamp", BinaryOp.MIN, hi);
        return Autograd.record("clamp", out, g -> {
            Tensor atLeast = scalar("clamp", BinaryOp.GT, lo).add(scalar("clamp", BinaryOp.EQ, lo));
            Tensor atMost = scalar("clamp", BinaryOp.LT, hi).add(scalar("clamp", BinaryOp.EQ, hi));
            return new Tensor[] {g.mul(atLeast.mul(atMost))};
        }, this);
    }

    /** {@code this^p} for a constant exponent. */
    public Tensor pow(float p) {
        Tensor out = scalar("pow", BinaryOp.POW, p);
        return Autograd.record("pow", out, g -> new Tensor[] {g.mul(pow(p - 1)).mul(p)}, this);
    }

    // Scalar operands go to the backend as values, not as one-element buffers.

    public Tensor add(float c) {
        return Autograd.record("add", scalar("add", BinaryOp.ADD, c), g -> new Tensor[] {g}, this);
    }

    public Tensor sub(float c) {
        return Autograd.record("sub", scalar("sub", BinaryOp.SUB, c), g -> new Tensor[] {g}, this);
    }

    /** {@code c - this}. */
    public Tensor rsub(float c) {
        return neg().add(c);
    }

    public Tensor mul(float c) {
        return Autograd.record("mul", scalar("mul", BinaryOp.MUL, c), g -> new Tensor[] {g.mul(c)}, this);
    }

    public Tensor div(float c) {
        return Autograd.record("div", scalar("div", BinaryOp.DIV, c), g -> new Tensor[] {g.div(c)}, this);
    }

    /** 1 where {@code this > c}, else 0; no gradient. */
    public Tensor gt(float c) {
        return scalar("gt", BinaryOp.GT, c);
    }

    /** 1 where {@code this < c}, else 0; no gradient. */
    public Tensor lt(float c) {
        return scalar("lt", BinaryOp.LT, c);
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
        return Autograd.record("relu", unary(UnaryOp.RELU), g -> {
            sameBackend("relu", g, this);
            Storage dx = backend().allocate(DType.F32, numel());
            backend().reluBackward(g.view(), view(), dx);
            return new Tensor[] {make(dx, shape.clone())};
        }, this);
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
        return view("slice", offset + start * strides[axis], s, strides.clone());
    }

    // ---- indexing ----

    /** For a matrix {@code [N, C]} and I32 {@code index [N]}: {@code out[r] = this[r, index[r]]}. */
    public Tensor gatherRows(Tensor index) {
        if (shape.length != 2 || index.rank() != 1 || index.dim(0) != shape[0] || index.dtype() != DType.I32) {
            throw new IllegalArgumentException("gatherRows: expects a matrix [N, C] and I32 indices [N], got "
                    + Shape.str(shape) + " and " + Shape.str(index.shape) + " " + index.dtype());
        }
        sameBackend("gatherRows", this, index);
        Tensor x = contiguous();
        Tensor idx = index.contiguous();
        int rows = shape[0];
        int cols = shape[1];
        Storage out = backend().allocate(DType.F32, rows);
        backend().gather(x.storage, idx.storage, out, rows, cols);
        return Autograd.record("gatherRows", make(out, rows), g -> {
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

    private void requireDType(String op, DType t) {
        live(op);
        if (dtype() != t) throw new IllegalArgumentException(op + ": expects " + t + ", tensor is " + dtype() + " " + Shape.str(shape));
    }

    /** Fails, naming the op and both backends, when two operands live on different backends. */
    public static void sameBackend(String op, Tensor a, Tensor b) {
        if (a.backend() != b.backend()) {
            throw new IllegalArgumentException(op + ": operands live on different backends (" + a.backend().name() + " "
                    + Shape.str(a.shape) + ", " + b.backend().name() + " " + Shape.str(b.shape) + "); move one with to(backend)");
        }
    }

    private Tensor unary(UnaryOp op) {
        requireDType(op.name().toLowerCase(), DType.F32);
        Storage out = backend().allocate(DType.F32, numel());
        backend().unary(op, view(), out);
        return make(out, shape.clone());
    }

    private Tensor scalar(String name, BinaryOp op, float c) {
        requireDType(name, DType.F32);
        Storage out = backend().allocate(DType.F32, numel());
        backend().binary(op, view(), c, out);
        return make(out, shape.clone());
    }

    private static Tensor binary(String name, BinaryOp op, Tensor a, Tensor b) {
        a.live(name);
        b.live(name);
        if (a.dtype() != DType.F32 || b.dtype() != DType.F32) {
            throw new IllegalArgumentException(name + ": expects F32 operands, got " + a.dtype() + " " + Shape.str(a.shape)
                    + " and " + b.dtype() + " " + Shape.str(b.shape));
        }
        sameBackend(name, a, b);
        int[] s = Shape.broadcast(name, a.shape, b.shape);
        View va = new View(a.storage, a.offset, s, Shape.broadcastStrides(a.shape, a.strides, s));
        View vb = new View(b.storage, b.offset, s, Shape.broadcastStrides(b.shape, b.strides, s));
        Storage out = a.backend().allocate(DType.F32, Shape.numel(s));
        a.backend().binary(op, va, vb, out);
        return make(out, s);
    }

    private Tensor reduce(ReduceOp op, int[] axes, boolean keepDim, DType outType) {
        requireDType(op.name().toLowerCase(), DType.F32);
        int[] kept = Layout.keptShape(shape, axes);
        int[] outShape = keepDim ? kept : Layout.dropAxes(shape, axes);
        Storage out = backend().allocate(outType, Shape.numel(outShape));
        backend().reduce(op, view(), axes, out);
        return make(out, outShape);
    }

    long offset() {
        return offset;
    }

    long[] strides() {
        return strides;
    }
}

package dev.stride.tensor;

import dev.stride.backend.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * Who frees what. Every tensor made on a thread while a scope is open there belongs to the innermost one, and
 * closing the scope closes them all, except those {@link #keep kept}, which move to the enclosing scope (or,
 * outside every scope, to whoever holds them). A tensor made outside every scope belongs to its holder: it lives
 * until {@link Tensor#close()}, or until the garbage collector finds its storage unreachable.
 *
 * <pre>{@code
 * try (MemoryScope scope = MemoryScope.open()) {
 *     Tensor h = x.matmul(w).relu();          // closed with the scope
 *     result = scope.keep(h.sum());           // survives it
 * }
 * }</pre>
 *
 * Long-lived state is made outside scopes or taken out of them with {@link Tensor#persist()}: parameters, buffers,
 * gradients (a leaf owns its gradient and closes the old one when it gets a new one), optimizer state.
 * {@link dev.stride.train.Trainer} opens one scope per step. Scopes are per thread and must close in the reverse
 * order of opening.
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();

    private final MemoryScope parent;
    private final List<Object> owned = new ArrayList<>();
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private MemoryScope(MemoryScope parent) {
        this.parent = parent;
    }

    public static MemoryScope open() {
        MemoryScope s = new MemoryScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    static MemoryScope current() {
        return CURRENT.get();
    }

    void add(Tensor t) {
        owned.add(t);
    }

    /** Takes the caller's reference to a bare storage: it is released when the scope closes. */
    public Storage track(Storage s) {
        checkUsable("track");
        owned.add(s);
        return s;
    }

    /** Hands {@code t} to the enclosing scope (or to the caller, outside every scope) so it outlives this one. */
    public Tensor keep(Tensor t) {
        checkUsable("keep");
        if (t.owner() != this) {
            throw new IllegalArgumentException("keep: the tensor " + Shape.str(t.shape()) + " does not belong to this scope");
        }
        t.setOwner(parent);
        if (parent != null) parent.owned.add(t);
        return t;
    }

    private void checkUsable(String op) {
        if (closed) throw new IllegalStateException(op + ": the memory scope is closed");
    }

    /** Closes every tensor and storage this scope still owns. */
    @Override
    public void close() {
        if (closed) return;
        if (CURRENT.get() != this) {
            throw new IllegalStateException(Thread.currentThread() == thread
                    ? "MemoryScope: closed out of order (an inner scope is still open)"
                    : "MemoryScope: closed on thread " + Thread.currentThread().getName() + ", opened on " + thread.getName());
        }
        closed = true;
        CURRENT.set(parent);
        for (Object o : owned) {
            if (o instanceof Tensor t) {
                if (t.owner() == this) t.close();
            } else {
                ((Storage) o).release();
            }
        }
        owned.clear();
    }
}

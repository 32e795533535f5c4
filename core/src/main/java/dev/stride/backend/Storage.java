package dev.stride.backend;

import dev.stride.tensor.DType;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A flat buffer of {@code numel} elements owned by one backend: a Java array on the CPU, device memory on a GPU.
 * Core never reads it directly; it asks the backend that made it.
 *
 * <p>Lifetime: a storage is reference-counted. {@link Backend#allocate} returns it with one reference, owned by
 * the caller; every {@link dev.stride.tensor.Tensor} over it holds one more (so a view keeps its base alive), and
 * {@link #release()} drops one. When the count reaches zero the backend's {@code free} action runs, exactly once.
 * The same action is registered with a {@link Cleaner} as the safety net for a storage that every owner forgot:
 * it then runs when the garbage collector finds the storage unreachable. A backend whose memory the garbage
 * collector frees anyway (the CPU) passes no action.
 */
public abstract class Storage implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong IDS = new AtomicLong();

    private final Backend backend;
    private final DType dtype;
    private final long numel;
    private final long id = IDS.incrementAndGet();
    private final AtomicInteger refs = new AtomicInteger(1);
    private final Cleaner.Cleanable cleanable;

    /**
     * @param free returns the memory to the backend; null when the garbage collector reclaims it. It must not refer
     *             to this storage (it runs after the storage is unreachable).
     */
    protected Storage(Backend backend, DType dtype, long numel, Runnable free) {
        this.backend = backend;
        this.dtype = dtype;
        this.numel = numel;
        this.cleanable = free == null ? null : CLEANER.register(this, free);
    }

    public final Backend backend() {
        return backend;
    }

    public final DType dtype() {
        return dtype;
    }

    public final long numel() {
        return numel;
    }

    /** Bytes of memory behind this storage. */
    public final long bytes() {
        return numel * dtype.bytes();
    }

    /** Adds a reference; fails when the storage is already freed. */
    public final void retain() {
        int before = refs.getAndUpdate(r -> r == 0 ? 0 : r + 1);
        if (before == 0) throw closedError("retain");
    }

    /** Drops a reference; the last one frees the memory. */
    public final void release() {
        int now = refs.decrementAndGet();
        if (now > 0) return;
        if (now < 0) {
            refs.set(0);
            throw new IllegalStateException("release: " + this + " was released more often than it was retained");
        }
        released();
        if (cleanable != null) cleanable.clean();
    }

    /** Called once when the last reference is released, before the free action runs (not when the Cleaner runs it). */
    protected void released() {}

    /** Drops the caller's reference, as {@link #release()}. */
    @Override
    public final void close() {
        release();
    }

    public final boolean isClosed() {
        return refs.get() == 0;
    }

    /** Throws, naming {@code op} and this storage, when the storage was freed. */
    public final void checkOpen(String op) {
        if (refs.get() == 0) throw closedError(op);
    }

    private IllegalStateException closedError(String op) {
        return new IllegalStateException(op + ": " + this + " was used after it was closed");
    }

    @Override
    public String toString() {
        return "storage #" + id + " (" + dtype + ", " + numel + " elements, " + backend.name() + ")";
    }
}

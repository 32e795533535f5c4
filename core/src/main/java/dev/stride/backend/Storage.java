package dev.stride.backend;

import dev.stride.tensor.DType;

/**
 * A flat buffer of {@code numel} elements owned by one backend: a Java array on the CPU, device
 * memory on a GPU. Core never reads it directly; it asks the backend that made it.
 */
public interface Storage extends AutoCloseable {
    Backend backend();

    DType dtype();

    long numel();

    /** Returns the memory to the backend. Using the storage afterwards is an error. */
    @Override
    void close();
}

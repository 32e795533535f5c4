package dev.stride.backend;

import dev.stride.tensor.Shape;

/**
 * A strided window on a storage: element {@code (i0, i1, ...)} lives at
 * {@code offset + i0*strides[0] + i1*strides[1] + ...}. A stride of 0 repeats an element (broadcasting).
 */
public record View(Storage storage, long offset, int[] shape, long[] strides) {
    public static View contiguous(Storage storage, int... shape) {
        return new View(storage, 0, shape, Shape.contiguousStrides(shape));
    }

    public long numel() {
        return Shape.numel(shape);
    }

    public int rank() {
        return shape.length;
    }

    public boolean isContiguous() {
        return Shape.isContiguous(shape, strides);
    }
}

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

    /**
     * How a reduction over {@code axes} walks this view: {@code [kept, reduced]}, the dimensions not in {@code axes}
     * (at this view's offset: one position per output) and those in it (at offset 0: added to a kept position).
     */
    public View[] splitAxes(int[] axes) {
        boolean[] reduced = new boolean[shape.length];
        for (int a : axes) reduced[a] = true;
        int[] keptShape = new int[shape.length - axes.length];
        long[] keptStrides = new long[keptShape.length];
        int[] redShape = new int[axes.length];
        long[] redStrides = new long[axes.length];
        for (int d = 0, k = 0, r = 0; d < shape.length; d++) {
            if (reduced[d]) {
                redShape[r] = shape[d];
                redStrides[r++] = strides[d];
            } else {
                keptShape[k] = shape[d];
                keptStrides[k++] = strides[d];
            }
        }
        return new View[] {new View(storage, offset, keptShape, keptStrides), new View(storage, 0, redShape, redStrides)};
    }
}

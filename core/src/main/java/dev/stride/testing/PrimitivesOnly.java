package dev.stride.testing;

import dev.stride.backend.Backend;
import dev.stride.backend.BinaryOp;
import dev.stride.backend.Distribution;
import dev.stride.backend.Gemm;
import dev.stride.backend.ReduceOp;
import dev.stride.backend.Storage;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.View;
import dev.stride.tensor.DType;

/**
 * A backend that forwards only the primitives to {@code inner}, so every fused op runs its composite default
 * from {@link Backend}. Comparing a backend's fused override with this wrapper checks the override against
 * the reference decomposition on identical inputs.
 */
public final class PrimitivesOnly implements Backend {
    private final Backend inner;

    public PrimitivesOnly(Backend inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name() + "-primitives";
    }

    @Override
    public Storage allocate(DType dtype, long numel) {
        return inner.allocate(dtype, numel);
    }

    @Override
    public void write(Storage dst, long dstOffset, float[] src, int srcOffset, int n) {
        inner.write(dst, dstOffset, src, srcOffset, n);
    }

    @Override
    public void write(Storage dst, long dstOffset, int[] src, int srcOffset, int n) {
        inner.write(dst, dstOffset, src, srcOffset, n);
    }

    @Override
    public void read(Storage src, long srcOffset, float[] dst, int dstOffset, int n) {
        inner.read(src, srcOffset, dst, dstOffset, n);
    }

    @Override
    public void read(Storage src, long srcOffset, int[] dst, int dstOffset, int n) {
        inner.read(src, srcOffset, dst, dstOffset, n);
    }

    @Override
    public void fill(Storage dst, long offset, long n, float value) {
        inner.fill(dst, offset, n, value);
    }

    @Override
    public void copy(View src, View dst) {
        inner.copy(src, dst);
    }

    @Override
    public void unary(UnaryOp op, View x, Storage out) {
        inner.unary(op, x, out);
    }

    @Override
    public void binary(BinaryOp op, View a, View b, Storage out) {
        inner.binary(op, a, b, out);
    }

    @Override
    public void binary(BinaryOp op, View a, float b, Storage out) {
        inner.binary(op, a, b, out);
    }

    @Override
    public void reduce(ReduceOp op, View x, int[] axes, Storage out) {
        inner.reduce(op, x, axes, out);
    }

    @Override
    public void gemm(Gemm g) {
        inner.gemm(g);
    }

    @Override
    public void gather(Storage x, Storage index, Storage out, int rows, int cols) {
        inner.gather(x, index, out, rows, cols);
    }

    @Override
    public void scatterAdd(Storage src, Storage index, Storage out, int rows, int cols) {
        inner.scatterAdd(src, index, out, rows, cols);
    }

    @Override
    public void random(Distribution dist, long seed, long offset, float a, float b, Storage out, long n) {
        inner.random(dist, seed, offset, a, b, out, n);
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }
}

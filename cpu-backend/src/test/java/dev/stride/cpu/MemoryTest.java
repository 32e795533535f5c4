package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.BinaryOp;
import dev.stride.backend.Storage;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.View;
import dev.stride.loss.Loss;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.optim.Adam;
import dev.stride.random.Generator;
import dev.stride.tensor.DType;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;
import dev.stride.testing.CountingBackend;
import org.junit.jupiter.api.Test;

/** Who frees what: scopes, kept tensors, reference-counted views, released graphs, gradients, and moving between backends. */
class MemoryTest {
    static final CpuBackend CPU = new CpuBackend();

    @Test
    void aScopeClosesWhatItMadeAndHandsKeptTensorsOut() {
        CountingBackend be = new CountingBackend(CPU);
        Tensor x = Tensor.of(be, new float[] {1, 2, 3}, 3);
        Tensor kept;
        Tensor temp;
        try (MemoryScope outer = MemoryScope.open()) {
            try (MemoryScope inner = MemoryScope.open()) {
                temp = x.mul(2f).add(1f);
                kept = inner.keep(temp.sum());
                assertEquals(4, be.liveStorages());
            }
            assertTrue(temp.isClosed());
            assertFalse(kept.isClosed());
            assertEquals(15f, kept.item());
            assertEquals(2, be.liveStorages(), "x and the kept sum");
        }
        assertTrue(kept.isClosed(), "keep hands a tensor to the enclosing scope, which closes it");
        assertFalse(x.isClosed(), "made outside every scope: its holder owns it");
        assertEquals(1, be.liveStorages());
        x.close();
        assertEquals(0, be.liveStorages());
        assertEquals(0, be.collected());
    }

    @Test
    void persistedTensorsAndTrackedStoragesFollowTheirOwners() {
        CountingBackend be = new CountingBackend(CPU);
        Tensor state;
        try (MemoryScope scope = MemoryScope.open()) {
            state = Tensor.zeros(be, 4).persist();
            scope.track(be.allocate(DType.F32, 10));
            assertEquals(2, be.liveStorages());
        }
        assertEquals(1, be.liveStorages(), "the tracked storage is released, the persisted tensor lives");
        state.close();
        assertEquals(0, be.liveStorages());
    }

    @Test
    void closingABaseKeepsItsViewsAlive() {
        CountingBackend be = new CountingBackend(CPU);
        Tensor base = Tensor.of(be, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor transposed = base.t();
        Tensor col = transposed.slice(0, 1, 2);
        base.close();
        transposed.close();
        assertEquals(1, be.liveStorages());
        assertArrayEquals(new float[] {2, 5}, col.toFloatArray());
        col.close();
        assertEquals(0, be.liveStorages());
    }

    @Test
    void useAfterCloseNamesTheOpAndTheStorage() {
        CountingBackend be = new CountingBackend(CPU);
        Tensor t = Tensor.of(be, new float[] {1, 2}, 2);
        Tensor alias = t.detach();
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.add(1f));
        assertTrue(e.getMessage().startsWith("add: tensor [2]"), e.getMessage());
        assertTrue(e.getMessage().contains("storage #") && e.getMessage().contains("after it was closed"), e.getMessage());
        assertEquals(3f, alias.add(1f).toFloatArray()[1], "a second tensor over the storage still works");

        Storage s = be.allocate(DType.F32, 2);
        Storage out = be.allocate(DType.F32, 2);
        s.close();
        e = assertThrows(IllegalStateException.class, () -> be.unary(UnaryOp.NEG, View.contiguous(s, 2), out));
        assertTrue(e.getMessage().startsWith("unary NEG: " + s), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> be.binary(BinaryOp.ADD, View.contiguous(s, 2), 1f, out));
        assertTrue(e.getMessage().startsWith("binary ADD: " + s), e.getMessage());
        assertThrows(IllegalStateException.class, s::release, "released more often than retained");
    }

    @Test
    void aTensorWhoseStorageWasClosedRaisesOnTheCpuToo() {
        Tensor t = Tensor.of(CPU, new float[] {1, 2}, 2);
        t.storage().close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.mul(2f));
        assertTrue(e.getMessage().startsWith("mul: ") && e.getMessage().contains("after it was closed"), e.getMessage());
    }

    @Test
    void backwardReleasesTheGraphAndASecondOneSaysSo() {
        Tensor w = Tensor.of(CPU, new float[] {1, 2}, 2).requiresGrad(true);
        Tensor loss = w.mul(w).sum();
        loss.backward();
        assertArrayEquals(new float[] {2, 4}, w.grad().toFloatArray());
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("already released"), e.getMessage());
    }

    @Test
    void aLeafOwnsItsGradientAndClosesTheOneItReplaces() {
        CountingBackend be = new CountingBackend(CPU);
        Tensor a = Tensor.of(be, new float[] {1, 2}, 2).requiresGrad(true);
        Tensor b = Tensor.of(be, new float[] {3, 4}, 2).requiresGrad(true);
        try (MemoryScope scope = MemoryScope.open()) {
            a.add(b).sum().backward();
        }
        // add's rule hands one gradient tensor to both inputs; each leaf still gets a tensor of its own.
        assertNotSame(a.grad(), b.grad());
        Tensor first = a.grad();
        assertArrayEquals(new float[] {1, 1}, first.toFloatArray());
        try (MemoryScope scope = MemoryScope.open()) {
            a.add(b).sum().backward();
        }
        assertTrue(first.isClosed(), "accumulating replaced the gradient");
        assertArrayEquals(new float[] {2, 2}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {2, 2}, b.grad().toFloatArray());
        a.setGrad(null);
        assertArrayEquals(new float[] {2, 2}, b.grad().toFloatArray(), "b's gradient outlives a's");
        long live = be.liveStorages();
        b.setGrad(null);
        assertEquals(live - 1, be.liveStorages());
    }

    @Test
    void scalarOperandsAllocateNothing() {
        CountingBackend be = new CountingBackend(CPU);
        Tensor x = Tensor.of(be, new float[] {1, -2, 3}, 3);
        long before = be.allocations();
        Tensor y = x.mul(0.5f).add(1f).sub(2f).div(4f).pow(2f).clamp(0f, 0.1f);
        assertEquals(7, be.allocations() - before, "one output per primitive (clamp is two), no one-element operand buffers");
        float[] expect = new float[3];
        float[] in = {1, -2, 3};
        for (int i = 0; i < 3; i++) {
            float v = (float) Math.pow((in[i] * 0.5f + 1f - 2f) / 4f, 2f);
            expect[i] = Math.min(Math.max(v, 0f), 0.1f);
        }
        assertArrayEquals(expect, y.toFloatArray());
    }

    @Test
    void clampPassesTheGradientInsideAndAtItsBounds() {
        Tensor x = Tensor.of(CPU, new float[] {-2, -1, 0, 1, 2, Float.NaN}, 6).requiresGrad(true);
        x.clamp(-1, 1).sum().backward();
        assertArrayEquals(new float[] {0, 1, 1, 1, 0, 0}, x.grad().toFloatArray());
    }

    @Test
    void tensorsMoveBetweenBackendsAndTheGradientFollowsBack() {
        CountingBackend be = new CountingBackend(CPU);
        Tensor x = Tensor.of(CPU, new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor there = x.to(be);
        assertSame(be, there.backend());
        assertSame(x, x.to(CPU));
        there.mul(there).sum().backward();
        assertSame(CPU, x.grad().backend());
        assertArrayEquals(new float[] {2, 4, 6}, x.grad().toFloatArray());
        Tensor labels = Tensor.ofInts(CPU, new int[] {2, -1, 0}, 3);
        assertArrayEquals(new float[] {2, -1, 0}, labels.to(DType.F32).toFloatArray());
        assertArrayEquals(new int[] {1, -2, 0}, Tensor.of(CPU, new float[] {1.9f, -2.7f, Float.NaN}, 3).to(DType.I32).toIntArray());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.add(there));
        assertTrue(e.getMessage().contains("add: operands live on different backends (cpu [3], counting(cpu) [3])"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.reshape(1, 3).matmul(there.reshape(3, 1)));
        assertTrue(e.getMessage().startsWith("matmul: operands live on different backends"), e.getMessage());
    }

    @Test
    void aModuleMovesInPlaceAndItsOptimizerStateFollows() {
        Linear moved = new Linear(3, 2, true, Init.Scheme.PYTORCH_DEFAULT, CPU, new Generator(4));
        Linear stay = new Linear(3, 2, true, Init.Scheme.PYTORCH_DEFAULT, CPU, new Generator(4));
        Adam am = new Adam(moved.parameters(), 0.1f);
        Adam as = new Adam(stay.parameters(), 0.1f);
        CountingBackend be = new CountingBackend(CPU);
        float[] x = {1, -1, 0.5f, 2, 0, -3};
        int[] y = {1, 0};
        for (int step = 0; step < 3; step++) {
            if (step == 1) {
                Tensor w = moved.parameters().get(0);
                moved.to(be);
                assertSame(w, moved.parameters().get(0), "the layer keeps its tensor");
                assertSame(be, w.backend());
                assertSame(be, w.grad().backend(), "the gradient moves with its parameter");
            }
            var b = moved.parameters().get(0).backend();
            am.zeroGrad();
            Loss.crossEntropy(moved.forward(Tensor.of(b, x, 2, 3)), Tensor.ofInts(b, y, 2)).backward();
            am.step();
            as.zeroGrad();
            Loss.crossEntropy(stay.forward(Tensor.of(CPU, x, 2, 3)), Tensor.ofInts(CPU, y, 2)).backward();
            as.step();
        }
        for (Tensor s : am.stateTensors().values()) assertSame(be, s.backend(), "Adam's moments followed");
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(stay.parameters().get(i).toFloatArray(), moved.parameters().get(i).toFloatArray());
        }
    }
}

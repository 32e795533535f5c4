package dev.stride.kernels.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.random.Philox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed fixture PTX (kernels/src/test/cuda/fixtures.cu) run on the emulator against Java references. */
class EmulatorTest {
    private static PtxModule fixtures;
    private final Emulator emu = new Emulator();

    @BeforeAll
    static void load() {
        fixtures = Fixtures.module();
    }

    private static int blocks(int n, int per) {
        return (n + per - 1) / per;
    }

    @Test
    void dropoutMaskEqualsJavaPhiloxBitForBit() {
        int n = 1003;
        long seed = 0x1234_5678_9ABC_DEF0L;
        long offset = 42;
        float p = 0.3f;
        long threshold = Philox.dropThreshold(p);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 1 + i * 0.5f;
        long dx = emu.malloc(4L * n);
        long dout = emu.malloc(4L * n);
        emu.write(dx, x);
        int counters = (n + 3) / 4;
        emu.launch(fixtures, "dropout_fixture", new int[] {blocks(counters, 64), 1, 1}, new int[] {64, 1, 1}, 0,
                dx, dout, n, seed, offset, (int) threshold, 1 / (1 - p));
        float[] got = emu.readFloats(dout, n);
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.words(seed, offset, i / 4, w);
            float expected = (w[i % 4] & 0xFFFFFFFFL) >= threshold ? x[i] * (1 / (1 - p)) : 0f;
            assertEquals(expected, got[i], "element " + i);
        }
    }

    @Test
    void blockSumThroughSharedMemoryAndBarriers() {
        int per = 128;
        int blocks = 3;
        float[] x = new float[per * blocks];
        for (int i = 0; i < x.length; i++) x[i] = i % 7;
        long din = emu.malloc(4L * x.length);
        long dout = emu.malloc(4L * blocks);
        emu.write(din, x);
        emu.launch(fixtures, "block_sum", new int[] {blocks, 1, 1}, new int[] {per, 1, 1}, 0, din, dout);
        float[] got = emu.readFloats(dout, blocks);
        for (int b = 0; b < blocks; b++) {
            float sum = 0;
            for (int i = 0; i < per; i++) sum += x[b * per + i];
            assertEquals(sum, got[b], "block " + b);
        }
    }

    @Test
    void countersSeeCoalescedAndStridedCopies() {
        int n = 256;
        long din = emu.malloc(4L * n * 32);
        long dout = emu.malloc(4L * n);
        Emulator.Counters coalesced = emu.launch(fixtures, "copy_strided", new int[] {2, 1, 1}, new int[] {128, 1, 1}, 0, din, dout, n, 1);
        // 8 warps, one load and one store each; 32 lanes x 4 bytes = 4 sectors per request.
        assertEquals(16, coalesced.requests());
        assertEquals(64, coalesced.sectors());
        assertEquals(4L * n, coalesced.bytesRead());
        assertEquals(4L * n, coalesced.bytesWritten());
        Emulator.Counters strided = emu.launch(fixtures, "copy_strided", new int[] {2, 1, 1}, new int[] {128, 1, 1}, 0, din, dout, n, 32);
        // Loads 128 bytes apart: every lane its own sector (8 x 32); stores stay coalesced (8 x 4).
        assertEquals(256 + 32, strided.sectors());
        assertEquals(coalesced.instructions(), strided.instructions());
    }

    @Test
    void outOfBoundsReadNamesKernelThreadLineAndAddress() {
        int n = 100;
        long din = emu.malloc(4L * 90);
        long dout = emu.malloc(4L * n);
        PtxException e = assertThrows(PtxException.class,
                () -> emu.launch(fixtures, "copy_strided", new int[] {1, 1, 1}, new int[] {128, 1, 1}, 0, din, dout, n, 1));
        String m = e.getMessage();
        assertTrue(m.contains("kernel copy_strided") && m.contains("block (0,0,0)") && m.contains("thread (90,0,0)")
                && m.contains("ld.global") && m.contains("out of bounds") && m.contains("past the end of the 360-byte allocation")
                && m.contains("offset 360"), m);
    }

    @Test
    void wrongArgumentCountAndUnknownKernelAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> emu.launch(fixtures, "copy_strided", new int[] {1, 1, 1}, new int[] {1, 1, 1}, 0, 1L));
        assertTrue(e.getMessage().contains("takes 4 arguments, got 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fixtures.kernel("nope"));
        assertTrue(e.getMessage().contains("no kernel 'nope'"), e.getMessage());
    }

    @Test
    void unsupportedInstructionIsRejectedWithItsLine() {
        String ptx = ".version 8.0\n.target sm_75\n.address_size 64\n.visible .entry k(\n.param .u64 k_param_0\n)\n{\n"
                + ".reg .b32 %r<2>;\ntex.1d.v4.f32.s32 %r0, [t, {%r1}];\nret;\n}\n";
        PtxException e = assertThrows(PtxException.class, () -> PtxModule.parse(ptx, "bad.ptx"));
        assertTrue(e.getMessage().contains("bad.ptx:9") && e.getMessage().contains("unsupported instruction 'tex'"), e.getMessage());
    }

    @Test
    void shiftsClampAndMinMaxSkipNaN() {
        String ptx = ".version 8.0\n.target sm_75\n.address_size 64\n.visible .entry k(\n.param .u64 k_param_0\n)\n{\n"
                + ".reg .b32 %r<6>;\n.reg .f32 %f<4>;\n.reg .b64 %rd<3>;\n"
                + "ld.param.u64 %rd1, [k_param_0];\ncvta.to.global.u64 %rd2, %rd1;\n"
                + "mov.u32 %r1, -8;\nshl.b32 %r2, %r1, 40;\nshr.s32 %r3, %r1, 40;\nshr.u32 %r4, %r1, 33;\n"
                + "mov.f32 %f1, 0f7FC00000;\nmov.f32 %f2, 0f40000000;\nmax.f32 %f3, %f1, %f2;\n"
                + "st.global.u32 [%rd2], %r2;\nst.global.u32 [%rd2+4], %r3;\nst.global.u32 [%rd2+8], %r4;\nst.global.f32 [%rd2+12], %f3;\nret;\n}\n";
        PtxModule m = PtxModule.parse(ptx, "ops.ptx");
        long out = emu.malloc(16);
        emu.launch(m, "k", new int[] {1, 1, 1}, new int[] {1, 1, 1}, 0, out);
        float[] v = emu.readFloats(out, 4);
        assertEquals(0, Float.floatToRawIntBits(v[0]), "shl by 40 gives 0");
        assertEquals(-1, Float.floatToRawIntBits(v[1]), "shr.s of a negative by 40 fills with the sign");
        assertEquals(0, Float.floatToRawIntBits(v[2]), "shr.u by 33 gives 0");
        assertEquals(2f, v[3], "max returns the non-NaN operand");
    }
}

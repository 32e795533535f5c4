package dev.stride.kernels.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Instruction edge cases, each against the value the PTX ISA gives, run as small hand-written kernels. */
class InstructionTest {
    private final Emulator emu = new Emulator();

    /** Runs {@code body} on {@code threads} threads; %rd4 points at this thread's {@code words} output words, %rd2 at word 0. */
    private int[] run(String body, int threads, int words) {
        String ptx = ".version 8.0\n.target sm_75\n.address_size 64\n.visible .entry k(\n.param .u64 k_param_0\n)\n{\n"
                + ".reg .pred %p<8>;\n.reg .b32 %r<32>;\n.reg .f32 %f<32>;\n.reg .b64 %rd<8>;\n"
                + "ld.param.u64 %rd1, [k_param_0];\ncvta.to.global.u64 %rd2, %rd1;\nmov.u32 %r0, %tid.x;\n"
                + "mul.wide.u32 %rd3, %r0, " + (4 * words) + ";\nadd.s64 %rd5, %rd2, 64;\nadd.s64 %rd4, %rd5, %rd3;\n"
                + body + "\nret;\n}\n";
        long out = emu.malloc(64 + 4L * words * threads);
        emu.launch(PtxModule.parse(ptx, "t.ptx"), "k", new int[] {1, 1, 1}, new int[] {threads, 1, 1}, 0, out);
        float[] f = emu.readFloats(out, 16 + words * threads);
        int[] bits = new int[f.length];
        for (int i = 0; i < f.length; i++) bits[i] = Float.floatToRawIntBits(f[i]);
        return bits;
    }

    private static int at(int[] out, int thread, int words, int j) {
        return out[16 + thread * words + j];
    }

    @Test
    void shuffleModesFollowThePtxLaneRules() {
        String body = "mul.lo.s32 %r1, %r0, 10;\n"
                + "shfl.sync.up.b32 %r2|%p1, %r1, 3, 0, -1;\n"
                + "shfl.sync.down.b32 %r3|%p2, %r1, 3, 31, -1;\n"
                + "shfl.sync.bfly.b32 %r4, %r1, 5, 31, -1;\n"
                + "shfl.sync.idx.b32 %r5, %r1, 7, 31, -1;\n"
                + "shfl.sync.idx.b32 %r6, %r1, 7, 6175, -1;\n"
                + "selp.u32 %r7, 1, 0, %p1;\nselp.u32 %r8, 1, 0, %p2;\n"
                + "st.global.u32 [%rd4], %r2;\nst.global.u32 [%rd4+4], %r3;\nst.global.u32 [%rd4+8], %r4;\n"
                + "st.global.u32 [%rd4+12], %r5;\nst.global.u32 [%rd4+16], %r6;\nst.global.u32 [%rd4+20], %r7;\nst.global.u32 [%rd4+24], %r8;";
        int[] out = run(body, 32, 7);
        for (int lane = 0; lane < 32; lane++) {
            assertEquals(lane >= 3 ? (lane - 3) * 10 : lane * 10, at(out, lane, 7, 0), "up, lane " + lane);
            assertEquals(lane <= 28 ? (lane + 3) * 10 : lane * 10, at(out, lane, 7, 1), "down, lane " + lane);
            assertEquals((lane ^ 5) * 10, at(out, lane, 7, 2), "bfly, lane " + lane);
            assertEquals(70, at(out, lane, 7, 3), "idx, lane " + lane);
            // c = 0x181F: segments of 8 lanes; lane 7 of each segment.
            assertEquals(((lane & 0x18) | 7) * 10, at(out, lane, 7, 4), "idx in 8-lane segments, lane " + lane);
            assertEquals(lane >= 3 ? 1 : 0, at(out, lane, 7, 5), "up predicate, lane " + lane);
            assertEquals(lane <= 28 ? 1 : 0, at(out, lane, 7, 6), "down predicate, lane " + lane);
        }
    }

    @Test
    void votesOverTheMemberMask() {
        String body = "setp.lt.u32 %p1, %r0, 5;\nsetp.lt.u32 %p2, %r0, 100;\n"
                + "vote.sync.all.pred %p3, %p1, -1;\nvote.sync.any.pred %p4, %p1, -1;\nvote.sync.uni.pred %p5, %p2, -1;\n"
                + "vote.sync.ballot.b32 %r1, %p1, -1;\n"
                + "selp.u32 %r2, 1, 0, %p3;\nselp.u32 %r3, 1, 0, %p4;\nselp.u32 %r4, 1, 0, %p5;\n"
                + "st.global.u32 [%rd4], %r1;\nst.global.u32 [%rd4+4], %r2;\nst.global.u32 [%rd4+8], %r3;\nst.global.u32 [%rd4+12], %r4;";
        int[] out = run(body, 32, 4);
        assertEquals(0b11111, at(out, 9, 4, 0));
        assertEquals(0, at(out, 9, 4, 1), "not all lanes are below 5");
        assertEquals(1, at(out, 9, 4, 2));
        assertEquals(1, at(out, 9, 4, 3), "all lanes agree that they are below 100");
    }

    @Test
    void atomicsReadModifyWrite() {
        String body = "atom.global.add.u32 %r1, [%rd2], 1;\n"
                + "atom.global.max.s32 %r2, [%rd2+4], %r0;\n"
                + "atom.global.inc.u32 %r3, [%rd2+8], 9;\n"
                + "atom.global.or.b32 %r4, [%rd2+12], %r0;\n"
                + "atom.global.cas.b32 %r5, [%rd2+16], 0, 77;\n"
                + "atom.global.exch.b32 %r6, [%rd2+20], %r0;\n"
                + "mov.f32 %f1, 0f3F000000;\nred.global.add.f32 [%rd2+24], %f1;\n"
                + "atom.global.min.s32 %r7, [%rd2+28], %r0;\n"
                + "st.global.u32 [%rd4], %r1;";
        int[] out = run(body, 32, 1);
        assertEquals(32, out[0], "32 increments");
        assertEquals(31, out[1], "max of thread ids");
        assertEquals(32 % 10, out[2], "inc wraps to 0 after 9: 32 increments end at 2");
        assertEquals(31, out[3], "or of 0..31");
        assertEquals(77, out[4], "only the first cas sees 0");
        assertEquals(31, out[5], "the last exchange wins");
        assertEquals(16f, Float.intBitsToFloat(out[6]), "red.add of 32 halves");
        assertEquals(0, out[7], "min of thread ids, starting from 0");
        java.util.Set<Integer> olds = new java.util.HashSet<>();
        for (int t = 0; t < 32; t++) olds.add(at(out, t, 1, 0));
        assertEquals(32, olds.size(), "every add returned a distinct old value");
    }

    private int[] scalar(String body, int words) {
        return run(body, 1, words);
    }

    @Test
    void directedRoundingFtzAndSaturation() {
        String body = "mov.f32 %f1, 0f3F800001;\nmov.f32 %f2, 0f00000000;\n"
                + "fma.rn.f32 %f3, %f1, %f1, %f2;\nfma.rm.f32 %f4, %f1, %f1, %f2;\nfma.rp.f32 %f5, %f1, %f1, %f2;\n"
                + "mov.f32 %f6, 0f3F800000;\nmov.f32 %f7, 0f33800000;\n"
                + "add.rn.f32 %f8, %f6, %f7;\nadd.rp.f32 %f9, %f6, %f7;\nadd.rz.f32 %f10, %f6, %f7;\n"
                + "mov.f32 %f11, 0f80000001;\nmul.ftz.f32 %f12, %f11, %f6;\nmul.f32 %f13, %f11, %f6;\n"
                + "mov.f32 %f14, 0f3F333333;\nadd.sat.f32 %f15, %f14, %f14;\nmov.f32 %f16, 0f7FC00000;\nadd.sat.f32 %f17, %f16, %f14;\n"
                + "st.global.f32 [%rd4], %f3;\nst.global.f32 [%rd4+4], %f4;\nst.global.f32 [%rd4+8], %f5;\nst.global.f32 [%rd4+12], %f8;\n"
                + "st.global.f32 [%rd4+16], %f9;\nst.global.f32 [%rd4+20], %f10;\nst.global.f32 [%rd4+24], %f12;\nst.global.f32 [%rd4+28], %f13;\n"
                + "st.global.f32 [%rd4+32], %f15;\nst.global.f32 [%rd4+36], %f17;";
        int[] o = scalar(body, 10);
        // (1+2^-23)^2 = 1 + 2^-22 + 2^-46: nearest and down give 1+2^-22, up gives the next float.
        assertEquals(0x3F800002, o[16]);
        assertEquals(0x3F800002, o[17]);
        assertEquals(0x3F800003, o[18]);
        // 1 + 2^-24 is a tie: nearest-even and toward-zero give 1, up gives 1+2^-23.
        assertEquals(0x3F800000, o[19]);
        assertEquals(0x3F800001, o[20]);
        assertEquals(0x3F800000, o[21]);
        assertEquals(0x80000000, o[22], ".ftz flushes a negative subnormal to -0");
        assertEquals(0x80000001, o[23], "without .ftz the subnormal survives");
        assertEquals(1f, Float.intBitsToFloat(o[24]), ".sat clamps 1.4 to 1");
        assertEquals(0f, Float.intBitsToFloat(o[25]), ".sat turns NaN into 0");
    }

    @Test
    void nanComparesDivisionByZeroAndConversions() {
        String body = "mov.f32 %f1, 0f7FC00000;\nmov.f32 %f2, 0f3F800000;\n"
                + "setp.lt.f32 %p1, %f1, %f2;\nsetp.ltu.f32 %p2, %f1, %f2;\nsetp.ne.f32 %p3, %f1, %f1;\nsetp.neu.f32 %p4, %f1, %f1;\n"
                + "selp.u32 %r1, 1, 0, %p1;\nselp.u32 %r2, 1, 0, %p2;\nselp.u32 %r3, 1, 0, %p3;\nselp.u32 %r4, 1, 0, %p4;\n"
                + "min.f32 %f3, %f1, %f2;\n"
                + "mov.u32 %r5, 5;\nmov.u32 %r6, 0;\ndiv.u32 %r7, %r5, %r6;\n"
                + "mov.f32 %f4, 0f4F32D05E;\ncvt.rzi.s32.f32 %r8, %f4;\ncvt.rzi.s32.f32 %r9, %f1;\n"
                + "mov.f32 %f5, 0f40200000;\ncvt.rni.s32.f32 %r10, %f5;\n"
                + "mov.u32 %r11, 300;\ncvt.u8.u32 %r12, %r11;\ncvt.sat.u8.s32 %r13, %r11;\nmov.u32 %r14, -5;\ncvt.sat.u8.s32 %r15, %r14;\n"
                + "mov.f32 %f6, 0f41200000;\nex2.approx.f32 %f7, %f6;\nmov.f32 %f8, 0f40800000;\nrsqrt.approx.f32 %f9, %f8;\n"
                + "st.global.u32 [%rd4], %r1;\nst.global.u32 [%rd4+4], %r2;\nst.global.u32 [%rd4+8], %r3;\nst.global.u32 [%rd4+12], %r4;\n"
                + "st.global.f32 [%rd4+16], %f3;\nst.global.u32 [%rd4+20], %r7;\nst.global.u32 [%rd4+24], %r8;\nst.global.u32 [%rd4+28], %r9;\n"
                + "st.global.u32 [%rd4+32], %r10;\nst.global.u32 [%rd4+36], %r12;\nst.global.u32 [%rd4+40], %r13;\nst.global.u32 [%rd4+44], %r15;\n"
                + "st.global.f32 [%rd4+48], %f7;\nst.global.f32 [%rd4+52], %f9;";
        int[] o = scalar(body, 14);
        assertEquals(0, o[16], "ordered lt is false on NaN");
        assertEquals(1, o[17], "unordered ltu is true on NaN");
        assertEquals(0, o[18], "ordered ne is false on NaN");
        assertEquals(1, o[19], "unordered neu is true on NaN");
        assertEquals(1f, Float.intBitsToFloat(o[20]), "min returns the non-NaN operand");
        assertEquals(-1, o[21], "division by zero does not trap (all ones here; PTX leaves the value unspecified)");
        assertEquals(Integer.MAX_VALUE, o[22], "3e9 saturates to the int maximum");
        assertEquals(0, o[23], "NaN converts to 0");
        assertEquals(2, o[24], "2.5 rounds to nearest even");
        assertEquals(44, o[25], "300 truncated to 8 bits");
        assertEquals(255, o[26], "300 saturated to u8");
        assertEquals(0, o[27], "-5 saturated to u8");
        assertTrue(Math.abs(Float.intBitsToFloat(o[28]) - 1024f) <= 2 * Math.ulp(1024f), "ex2.approx(10) within 2 ulp");
        assertTrue(Math.abs(Float.intBitsToFloat(o[29]) - 0.5f) <= 2 * Math.ulp(0.5f), "rsqrt.approx(4) within 2 ulp");
    }
}

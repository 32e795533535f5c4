package dev.stride.kernels.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Module globals, uninitialized shared reads, randomized thread order, and the committed PTX's freshness. */
class EmulatorChecksTest {
    private final Emulator emu = new Emulator();

    @TempDir
    Path tmp;

    @Test
    void moduleGlobalCountsEveryBlock() {
        String ptx = ".version 8.0\n.target sm_75\n.address_size 64\n.global .align 4 .u32 blocks_seen;\n"
                + ".visible .entry count(\n)\n{\n.reg .b32 %r<3>;\n.reg .pred %p<2>;\n"
                + "mov.u32 %r1, %tid.x;\nsetp.ne.s32 %p1, %r1, 0;\n@%p1 bra $L__done;\n"
                + "atom.global.add.u32 %r2, [blocks_seen], 1;\n$L__done:\nret;\n}\n";
        PtxModule m = PtxModule.parse(ptx, "globals.ptx");
        emu.launch(m, "count", new int[] {5, 2, 1}, new int[] {32, 1, 1}, 0);
        emu.launch(m, "count", new int[] {3, 1, 1}, new int[] {32, 1, 1}, 0);
        assertEquals(13, Float.floatToRawIntBits(emu.readFloats(emu.globalAddress(m, "blocks_seen"), 1)[0]), "10 + 3 blocks");
    }

    @Test
    void readingSharedMemoryNeverWrittenIsNamed() {
        String ptx = ".version 8.0\n.target sm_75\n.address_size 64\n.visible .entry racy(\n.param .u64 racy_param_0\n)\n{\n"
                + ".shared .align 4 .b8 buf[128];\n.reg .b32 %r<4>;\n.reg .f32 %f<2>;\n.reg .b64 %rd<4>;\n"
                + "mov.u32 %r1, %tid.x;\nshl.b32 %r2, %r1, 2;\nmov.u32 %r3, buf;\nadd.s32 %r3, %r3, %r2;\n"
                + "ld.shared.f32 %f1, [%r3+4];\nst.shared.f32 [%r3], %f1;\nret;\n}\n";
        PtxModule m = PtxModule.parse(ptx, "racy.ptx");
        PtxException e = assertThrows(PtxException.class,
                () -> emu.launch(m, "racy", new int[] {1, 1, 1}, new int[] {4, 1, 1}, 0, 0L));
        assertTrue(e.getMessage().contains("kernel racy") && e.getMessage().contains("thread (0,0,0)")
                && e.getMessage().contains("read of shared memory never written, at byte 4"), e.getMessage());
    }

    @Test
    void raceFreeKernelsGiveTheSameResultInAnyThreadOrder() throws IOException {
        PtxModule m = Fixtures.module();
        float[] x = new float[256];
        for (int i = 0; i < x.length; i++) x[i] = (i * 37 % 11) - 5;
        float[][] sums = new float[3][];
        for (int run = 0; run < 3; run++) {
            Emulator e = run == 0 ? new Emulator() : new Emulator().randomizeThreadOrder(run);
            long in = e.malloc(4 * 256);
            long out = e.malloc(8);
            e.write(in, x);
            e.launch(m, "block_sum", new int[] {2, 1, 1}, new int[] {128, 1, 1}, 0, in, out);
            sums[run] = e.readFloats(out, 2);
        }
        assertEquals(List.of(sums[0][0], sums[0][1]), List.of(sums[1][0], sums[1][1]));
        assertEquals(List.of(sums[0][0], sums[0][1]), List.of(sums[2][0], sums[2][1]));
    }

    @Test
    void copyAndMemsetAreChecked() {
        long a = emu.malloc(16);
        long b = emu.malloc(16);
        emu.write(a, new float[] {1, 2, 3, 4});
        emu.copy(b + 4, a, 8);
        emu.memset(b, (byte) 0, 4);
        assertEquals(List.of(0f, 1f, 2f, 0f), List.of(emu.readFloats(b, 4)[0], emu.readFloats(b, 4)[1], emu.readFloats(b, 4)[2], emu.readFloats(b, 4)[3]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> emu.copy(b + 12, a, 8));
        assertTrue(e.getMessage().contains("copy destination") && e.getMessage().contains("past the end of the 16-byte allocation"), e.getMessage());
    }

    private static String nvcc() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/local/cuda/bin").split(File.pathSeparator)) {
            if (new File(dir, "nvcc").canExecute()) return dir;
        }
        return null;
    }

    @Test
    void committedPtxMatchesAFreshBuild() throws Exception {
        String dir = nvcc();
        Assumptions.assumeTrue(dir != null, "nvcc is not installed; the committed PTX is used as is");
        ProcessBuilder pb = new ProcessBuilder("bash", "build-ptx.sh").directory(new File(".")).redirectErrorStream(true);
        pb.environment().put("PTX_OUT", tmp.toString());
        pb.environment().put("PATH", dir + File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        Path committed = Path.of("src", "main", "resources");
        try (Stream<Path> fresh = Files.walk(tmp.resolve("src/main/resources"))) {
            for (Path f : fresh.filter(q -> q.toString().endsWith(".ptx")).toList()) {
                Path rel = tmp.resolve("src/main/resources").relativize(f);
                assertTrue(Files.exists(committed.resolve(rel)), rel + " is not committed; run kernels/build-ptx.sh");
                assertEquals(Files.readString(f), Files.readString(committed.resolve(rel)), rel + " is stale; run kernels/build-ptx.sh");
            }
        }
    }
}

package dev.stride.kernels.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every shipped PTX file uses only instruction forms the emulator implements. */
class LintTest {
    @Test
    void shippedPtxUsesOnlyImplementedForms() throws IOException {
        List<String> problems = new ArrayList<>();
        int files = 0;
        try (Stream<Path> ptx = Files.walk(Path.of("src", "main", "resources"))) {
            for (Path p : ptx.filter(f -> f.toString().endsWith(".ptx")).toList()) {
                files++;
                problems.addAll(Lint.check(PtxModule.parse(Files.readString(p), p.getFileName().toString())));
            }
        }
        assertTrue(files >= 1, "no PTX found");
        assertEquals(List.of(), problems);
    }

    @Test
    void unimplementedFormsAreListed() {
        String ptx = ".version 8.0\n.target sm_75\n.address_size 64\n.visible .entry k(\n.param .u64 k_param_0\n)\n{\n"
                + ".reg .b32 %r<3>;\n.reg .b64 %rd<2>;\nld.u32 %r1, [%rd1];\nshfl.sync.rot.b32 %r1, %r2, 1, 31, -1;\n"
                + "add.f16 %r1, %r1, %r2;\nret;\n}\n";
        List<String> problems = Lint.check(PtxModule.parse(ptx, "bad.ptx"));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("bad.ptx:10: generic addressing"), problems.toString());
        assertTrue(problems.get(1).contains("modifier .rot") || problems.get(1).contains("shfl mode .rot"), problems.toString());
        assertTrue(problems.get(2).contains("f16 arithmetic"), problems.toString());
    }
}

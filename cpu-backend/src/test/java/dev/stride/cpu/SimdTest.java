package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * Every float and int vector in Stride has {@link Simd}'s shape: a second shape in the JVM made C2 box the GEMM
 * kernel's vectors (5 GFLOP/s against 90 on one core), so a kernel that picks its own species must fail here.
 */
class SimdTest {
    /** The main sources of this module and of the bench module, which runs the FMA ceiling in the same JVM. */
    private static final List<Path> SOURCES = List.of(Path.of("src/main/java"), Path.of("../bench/src/main/java"));

    @Test
    void noSourceNamesASpeciesButSimd() throws IOException {
        List<String> offenders = new ArrayList<>();
        int files = 0;
        for (Path root : SOURCES) {
            assertTrue(Files.isDirectory(root), root + " is where the sources are");
            try (Stream<Path> s = Files.walk(root)) {
                for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                    files++;
                    if (f.getFileName().toString().equals("Simd.java")) continue;
                    String text = Files.readString(f);
                    for (String name : new String[] {"SPECIES_", "VectorShape.", "withShape("}) {
                        if (text.contains(name)) offenders.add(f + " uses " + name);
                    }
                }
            }
        }
        assertTrue(files > 20, "found the sources: " + files);
        assertEquals(List.of(), offenders);
    }

    @Test
    void everyFloatAndIntSpeciesFieldHasSimdsShape() throws Exception {
        int checked = 0;
        Path classes = Path.of(Simd.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("dev/stride/cpu");
        try (Stream<Path> s = Files.list(classes)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = f.getFileName().toString();
                Class<?> c = Class.forName("dev.stride.cpu." + name.substring(0, name.length() - 6));
                for (Field field : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(field.getModifiers()) || field.getType() != VectorSpecies.class) continue;
                    field.setAccessible(true);
                    VectorSpecies<?> v = (VectorSpecies<?>) field.get(null);
                    if (v == null || (v.elementType() != float.class && v.elementType() != int.class)) continue;
                    assertEquals(Simd.FLOAT.vectorShape(), v.vectorShape(), c.getSimpleName() + "." + field.getName());
                    checked++;
                }
            }
        }
        assertTrue(checked >= 8, "the kernels' species fields were found: " + checked);
    }
}

package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.io.SafeTensors;
import dev.stride.nn.Activation;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Sequential;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: safetensors layout, atomic writes, corrupt files, and state-dict checks that lose nothing. */
class ModelStateTest {
    static final CpuBackend CPU = new CpuBackend();

    @TempDir
    Path dir;

    private static Sequential mlp(long seed, int hidden) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(4, hidden, true, Init.Scheme.HE_UNIFORM, CPU, g), Activation.relu(),
                new Linear(hidden, 2, true, Init.Scheme.HE_UNIFORM, CPU, g));
    }

    @Test
    void namesFollowPyTorch() {
        assertEquals(java.util.List.of("0.weight", "0.bias", "2.weight", "2.bias"), java.util.List.copyOf(mlp(1, 3).stateDict().keySet()));
        Generator g = new Generator(2);
        Sequential named = new Sequential()
                .add("fc1", new Linear(3, 4, true, Init.Scheme.PYTORCH_DEFAULT, CPU, g))
                .add("act", Activation.relu())
                .add("fc2", new Linear(4, 2, true, Init.Scheme.PYTORCH_DEFAULT, CPU, g));
        assertEquals(java.util.List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), java.util.List.copyOf(named.stateDict().keySet()));
        assertEquals(2, named.forward(Tensor.zeros(CPU, 5, 3)).dim(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> named.add("fc1", Activation.relu()));
        assertTrue(e.getMessage().contains("already named 'fc1'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> named.add("a.b", Activation.relu()));
        assertTrue(e.getMessage().contains("without dots"), e.getMessage());
        dev.stride.nn.BatchNorm bn = dev.stride.nn.BatchNorm.batchNorm1d(3, 0.1f, 1e-5f, CPU);
        org.junit.jupiter.api.Assertions.assertSame(bn.namedParameters().get("weight"), bn.weight());
        org.junit.jupiter.api.Assertions.assertSame(bn.namedParameters().get("bias"), bn.bias());
        dev.stride.nn.PReLU prelu = new dev.stride.nn.PReLU(3, 0.25f);
        org.junit.jupiter.api.Assertions.assertSame(prelu.namedParameters().get("weight"), prelu.weight());
    }

    /** A safetensors file whose one header entry is {@code entry} and whose data is {@code dataBytes} zero bytes. */
    private Path rawFile(String name, String entry, int dataBytes) throws IOException {
        byte[] header = ("{\"t\":" + entry + "}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    @Test
    void aShapeWhoseElementCountOverflowsIsNamedNotLoadedAsEmpty() throws IOException {
        Path f = rawFile("huge.safetensors", "{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],\"data_offsets\":[0,0]}", 0);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(f, CPU));
        assertTrue(e.getMessage().contains("huge.safetensors") && e.getMessage().contains("'t'")
                && e.getMessage().contains("[65536, 65536, 65536, 65536]") && e.getMessage().contains("more elements"), e.getMessage());
        Path g = rawFile("negative.safetensors", "{\"dtype\":\"F32\",\"shape\":[-2,3],\"data_offsets\":[0,0]}", 0);
        e = assertThrows(IOException.class, () -> SafeTensors.load(g, CPU));
        assertTrue(e.getMessage().contains("negative dimension"), e.getMessage());
    }

    @Test
    void savedFilesAreDeterministicFollowTheUmaskAndReplaceStaleTemporaries() throws IOException {
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
        tensors.put("w", Tensor.of(CPU, new float[] {1, 2, 3}, 3));
        Map<String, String> ab = new java.util.LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        Map<String, String> ba = new java.util.LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        Path one = dir.resolve("one.safetensors");
        Path two = dir.resolve("two.safetensors");
        SafeTensors.save(one, tensors, ab);
        SafeTensors.save(two, tensors, ba);
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(two), "the same state, the same bytes");
        Path reference = Files.createFile(dir.resolve("reference"));
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(one), "the umask's mode, not 0600");
        Path stale = Files.writeString(dir.resolve("one.safetensors.999999999-1.tmp"), "left by a killed save");
        Path live = Files.writeString(dir.resolve("one.safetensors." + ProcessHandle.current().pid() + "-999.tmp"), "a save in progress");
        SafeTensors.save(one, tensors, ab);
        assertTrue(!Files.exists(stale), "a dead writer's temporary is removed");
        assertTrue(Files.exists(live), "a live writer's temporary is left alone");
    }

    @Test
    void metadataThatIsNotAStringAndAnUnwritableTargetAreNamed() throws IOException {
        byte[] header = "{\"__metadata__\":{\"stride\":{\"a\":1}}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path f = dir.resolve("object-metadata.safetensors");
        Files.write(f, b.array());
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(f, CPU));
        assertTrue(e.getMessage().contains("object-metadata.safetensors") && e.getMessage().contains("'stride' is not a string"), e.getMessage());
        Path tooLong = dir.resolve("x".repeat(250) + ".safetensors");
        e = assertThrows(IOException.class, () -> SafeTensors.save(tooLong, Map.of("w", Tensor.of(CPU, new float[] {1}, 1)), Map.of()));
        assertTrue(e.getMessage().contains(tooLong.toString()) && e.getMessage().contains("could not be written"), e.getMessage());
    }

    @Test
    void roundTripRestoresEveryTensor() throws IOException {
        Sequential a = mlp(1, 3);
        Path f = dir.resolve("m.safetensors");
        SafeTensors.save(f, a.stateDict(), Map.of("model", "test"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
        Sequential b = mlp(2, 3);
        SafeTensors.Contents c = SafeTensors.load(f, CPU);
        assertEquals("test", c.metadata().get("model"));
        b.loadStateDict(c.tensors());
        for (String k : a.stateDict().keySet()) {
            assertArrayEquals(a.stateDict().get(k).toFloatArray(), b.stateDict().get(k).toFloatArray(), k);
        }
    }

    @Test
    void layoutIsStandardSafetensors() throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.save(f, Map.of("x", Tensor.of(CPU, new float[] {1.5f, -2f}, 2)), Map.of());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertEquals(0, n % 8);
        String header = new String(Arrays.copyOfRange(b.array(), 8, 8 + (int) n), StandardCharsets.UTF_8).trim();
        assertEquals("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header);
        b.position(8 + (int) n);
        assertEquals(1.5f, b.getFloat());
        assertEquals(-2f, b.getFloat());
    }

    @Test
    void mismatchNamesFirstTensorAndBothShapesAndChangesNothing() throws IOException {
        Path f = dir.resolve("wide.safetensors");
        SafeTensors.save(f, mlp(1, 5).stateDict(), Map.of());
        Sequential b = mlp(2, 3);
        float[] before = b.stateDict().get("0.weight").toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.loadStateDict(SafeTensors.load(f, CPU).tensors()));
        assertTrue(e.getMessage().contains("'0.weight'") && e.getMessage().contains("[5, 4]")
                && e.getMessage().contains("[3, 4]"), e.getMessage());
        assertArrayEquals(before, b.stateDict().get("0.weight").toFloatArray());
    }

    @Test
    void truncatedAndCorruptFilesAreReported() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.save(f, mlp(1, 3).stateDict(), Map.of());
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 5));
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(cut, CPU));
        assertTrue(e.getMessage().contains("cut.safetensors") && e.getMessage().contains("truncated"), e.getMessage());
        Path bad = dir.resolve("bad.safetensors");
        byte[] junk = all.clone();
        junk[9] = '#';
        Files.write(bad, junk);
        e = assertThrows(IOException.class, () -> SafeTensors.load(bad, CPU));
        assertTrue(e.getMessage().contains("corrupt safetensors header"), e.getMessage());
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        e = assertThrows(IOException.class, () -> SafeTensors.load(tiny, CPU));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}

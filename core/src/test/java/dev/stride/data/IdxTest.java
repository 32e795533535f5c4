package dev.stride.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsPlainAndGzip() throws IOException {
        byte[] data = {0, 1, (byte) 200, (byte) 255, 7, 9};
        for (String name : new String[] {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
            Path f = dir.resolve(name);
            Idx.writeUbyte(f, new int[] {1, 2, 3}, data);
            Idx.Array a = Idx.read(f);
            assertArrayEquals(new int[] {1, 2, 3}, a.dims());
            assertArrayEquals(new float[] {0, 1, 200, 255, 7, 9}, a.values());
        }
    }

    @Test
    void aFileThatStartsLikeGzipButIsNotIsNamed() throws IOException {
        Path f = dir.resolve("fake-idx3-ubyte.gz");
        Files.write(f, new byte[] {0x1f, (byte) 0x8b, 99, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().startsWith(f + ": starts like gzip but is not valid gzip"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("nope-idx1-ubyte");
        IOException e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void truncatedFileNamesFileAndOffset() throws IOException {
        Path f = dir.resolve("t-idx3-ubyte");
        Idx.writeUbyte(f, new int[] {2, 2, 2}, new byte[8]);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 3));
        IOException e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated at offset 21"), e.getMessage());
    }

    @Test
    void wrongMagicIsReported() throws IOException {
        Path f = dir.resolve("m-idx1-ubyte");
        Files.write(f, new byte[] {1, 2, 8, 1, 0, 0, 0, 0});
        IOException e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("bad IDX magic 01 02 08 01"), e.getMessage());
    }

    @Test
    void unknownTypeCodeIsReported() throws IOException {
        Path f = dir.resolve("u-idx1-ubyte");
        Files.write(f, new byte[] {0, 0, 0x0E, 1, 0, 0, 0, 0});
        IOException e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("type code 0xe"), e.getMessage());
    }

    @Test
    void trailingBytesAreReported() throws IOException {
        Path f = dir.resolve("x-idx1-ubyte");
        Files.write(f, new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 5, 6});
        IOException e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("trailing bytes after offset 9"), e.getMessage());
    }

    @Test
    void shippedDigitsLoadWithTheFixedSplit() throws IOException {
        Mnist.Splits s = Mnist.load(Path.of("..", "data", "mnist"));
        assertEquals(8000, s.train().size());
        assertEquals(2000, s.test().size());
        assertArrayEquals(new int[] {1, 28, 28}, s.train().sampleShape());
        float max = 0;
        for (float v : s.train().features()) max = Math.max(max, v);
        assertEquals(1f, max);
    }

    @Test
    void missingMnistFileNamesIt() {
        IOException e = assertThrows(IOException.class, () -> Mnist.load(dir));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
    }
}

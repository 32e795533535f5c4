package dev.stride.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken data is refused before anything trains, naming the file, the sample and the value. */
class MnistTest {
    @TempDir
    Path dir;

    /** Both splits: n images of side x side, labels i % 10 unless overridden. */
    private void write(String prefix, int n, int side, int... labels) throws IOException {
        byte[] px = new byte[n * side * side];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7);
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) y[i] = (byte) (i < labels.length ? labels[i] : i % 10);
        Idx.writeUbyte(dir.resolve(prefix + "-images-idx3-ubyte"), new int[] {n, side, side}, px);
        Idx.writeUbyte(dir.resolve(prefix + "-labels-idx1-ubyte"), new int[] {n}, y);
    }

    private String error() {
        return assertThrows(IOException.class, () -> Mnist.load(dir)).getMessage();
    }

    @Test
    void goodDataLoadsWithTenClasses() throws IOException {
        write("train", 20, 4);
        write("t10k", 10, 4);
        Mnist.Splits s = Mnist.load(dir);
        assertEquals(10, s.train().classes());
        assertEquals(10, s.test().size());
    }

    @Test
    void aStrayLabelOf255IsNotA256ClassModel() throws IOException {
        int[] labels = new int[20];
        for (int i = 0; i < 20; i++) labels[i] = i % 10;
        labels[13] = 255;
        write("train", 20, 4, labels);
        write("t10k", 10, 4);
        String m = error();
        assertTrue(m.contains("train-labels-idx1-ubyte") && m.contains("label 255 of sample 13") && m.contains("class 10"), m);
    }

    @Test
    void aTestLabelOutsideTheTrainingClassesIsNamed() throws IOException {
        write("train", 20, 4);
        write("t10k", 10, 4, 0, 1, 12);
        String m = error();
        assertTrue(m.contains("t10k-labels-idx1-ubyte") && m.contains("label 12 of sample 2"), m);
    }

    @Test
    void splitsOfDifferentImageSizesAreNamed() throws IOException {
        write("train", 20, 4);
        write("t10k", 10, 5);
        String m = error();
        assertTrue(m.contains("t10k-images") && m.contains("5x5") && m.contains("4x4"), m);
    }

    @Test
    void anEmptySplitIsNamed() throws IOException {
        write("train", 0, 4);
        write("t10k", 10, 4);
        String m = error();
        assertTrue(m.contains("train-images-idx3-ubyte") && m.contains("no images"), m);
    }

    @Test
    void labelsThatAreNotOneWholeNumberPerImageAreNamed() throws IOException {
        write("train", 2, 2);
        write("t10k", 2, 2);
        writeFloats("train-labels-idx1-ubyte", new int[] {2}, 1, 2.5f);
        String m = error();
        assertTrue(m.contains("train-labels-idx1-ubyte") && m.contains("label 2.5 of sample 1 is not a whole number"), m);
        writeFloats("train-labels-idx1-ubyte", new int[] {2, 1}, 1, 0);
        m = error();
        assertTrue(m.contains("train-labels-idx1-ubyte") && m.contains("one label per image (rank 1), got rank 2"), m);
    }

    /** A float32 IDX file. */
    private void writeFloats(String name, int[] dims, float... values) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(name)))) {
            out.writeInt(0x0D00 | dims.length);
            for (int d : dims) out.writeInt(d);
            for (float f : values) out.writeFloat(f);
        }
    }

    @Test
    void aNonFinitePixelIsNamedWithItsSample() throws IOException {
        write("t10k", 2, 2);
        write("train", 2, 2);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("train-images-idx3-ubyte")))) {
            out.writeInt(0x0D03);
            for (int d : new int[] {2, 2, 2}) out.writeInt(d);
            float[] v = {0, 1, 2, 3, 4, Float.NaN, 6, 7};
            for (float f : v) out.writeFloat(f);
        }
        String m = error();
        assertTrue(m.contains("train-images-idx3-ubyte") && m.contains("sample 1") && m.contains("NaN"), m);
    }
}

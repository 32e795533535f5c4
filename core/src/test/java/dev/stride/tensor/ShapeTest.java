package dev.stride.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShapeTest {
    @Test
    void broadcastsByNumpyRules() {
        assertArrayEquals(new int[] {4, 3, 5}, Shape.broadcast("add", new int[] {4, 1, 5}, new int[] {3, 1}));
        assertArrayEquals(new int[] {2, 3}, Shape.broadcast("add", new int[] {}, new int[] {2, 3}));
        assertArrayEquals(new int[] {0, 3}, Shape.broadcast("add", new int[] {0, 1}, new int[] {3}));
    }

    @Test
    void mismatchNamesOpAndBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Shape.broadcast("mul", new int[] {2, 3}, new int[] {4}));
        assertTrue(e.getMessage().contains("mul"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void broadcastStridesAreZeroWhereExpanded() {
        assertArrayEquals(new long[] {0, 0, 1}, Shape.broadcastStrides(new int[] {1, 5}, new long[] {5, 1}, new int[] {4, 3, 5}));
    }

    @Test
    void contiguityIgnoresUnitDimensions() {
        assertTrue(Shape.isContiguous(new int[] {1, 3}, new long[] {99, 1}));
        assertFalse(Shape.isContiguous(new int[] {2, 3}, new long[] {1, 2}));
    }
}

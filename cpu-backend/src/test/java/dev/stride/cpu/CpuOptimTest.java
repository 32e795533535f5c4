package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How the fused optimizer step cuts parameters among the threads (see CpuOptim). */
class CpuOptimTest {
    /**
     * A weight is cut into {@link CpuOptim#PIECES} contiguous pieces that cover it once, and the caller's share of the
     * region's chunks holds its first rows: the rows whose gradient the caller's share of the GEMM computed.
     */
    @Test
    void aWeightIsCutIntoContiguousPiecesWhoseFirstShareIsItsFirstRows() {
        int length = 256 * 784;
        assertEquals(0, CpuOptim.pieceStart(length, 0));
        assertEquals(length, CpuOptim.pieceStart(length, CpuOptim.PIECES));
        for (int piece = 0; piece < CpuOptim.PIECES; piece++) {
            int size = CpuOptim.pieceStart(length, piece + 1) - CpuOptim.pieceStart(length, piece);
            assertTrue(size >= CpuOptim.MIN_PIECE, "piece " + piece + ": " + size + " elements");
        }
        int callerShare = CpuOptim.PIECES / Parallel.THREADS;
        assertEquals(length / Parallel.THREADS, CpuOptim.pieceStart(length, callerShare));
    }

    /** A bias stays whole in piece 0: cut into pieces of a few elements, C2 left Adam's loop scalar. */
    @Test
    void aSmallParameterStaysWholeInTheFirstPiece() {
        for (int length : new int[] {1, 10, 256, CpuOptim.MIN_PIECE * CpuOptim.PIECES - 1}) {
            assertEquals(0, CpuOptim.pieceStart(length, 0));
            for (int piece = 1; piece <= CpuOptim.PIECES; piece++) assertEquals(length, CpuOptim.pieceStart(length, piece), "length " + length);
        }
    }
}

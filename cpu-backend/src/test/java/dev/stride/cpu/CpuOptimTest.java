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
        assertEquals(0, CpuOptim.pieceStart(length, 0, 0));
        assertEquals(length, CpuOptim.pieceStart(length, 0, CpuOptim.PIECES));
        for (int piece = 0; piece < CpuOptim.PIECES; piece++) {
            int size = CpuOptim.pieceStart(length, 0, piece + 1) - CpuOptim.pieceStart(length, 0, piece);
            assertTrue(size >= CpuOptim.MIN_PIECE, "piece " + piece + ": " + size + " elements");
        }
        int callerShare = CpuOptim.PIECES / Parallel.THREADS;
        assertEquals(length / Parallel.THREADS, CpuOptim.pieceStart(length, 0, callerShare));
    }

    /**
     * A bias stays whole (cut into pieces of a few elements, C2 left Adam's loop scalar), and small parameters one
     * after another go to different pieces, so that a model of many of them still updates them on every thread.
     */
    @Test
    void aSmallParameterStaysWholeInAPieceOfItsOwn() {
        for (int length : new int[] {1, 10, 256, CpuOptim.MIN_PIECE * CpuOptim.PIECES - 1}) {
            for (int index = 0; index < 2 * CpuOptim.PIECES; index++) {
                int home = index % CpuOptim.PIECES;
                for (int piece = 0; piece < CpuOptim.PIECES; piece++) {
                    int size = CpuOptim.pieceStart(length, index, piece + 1) - CpuOptim.pieceStart(length, index, piece);
                    assertEquals(piece == home ? length : 0, size, "length " + length + ", parameter " + index + ", piece " + piece);
                }
            }
        }
    }
}

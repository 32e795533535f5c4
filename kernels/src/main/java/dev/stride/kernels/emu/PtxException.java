package dev.stride.kernels.emu;

/** A PTX construct the emulator cannot read or execute, or an error found while executing a kernel. */
public class PtxException extends RuntimeException {
    public PtxException(String message) {
        super(message);
    }
}

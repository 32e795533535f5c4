package dev.stride.cuda;

/** A failure of the device or its driver, naming the call (and the kernel, grid, block and sizes of a launch). */
public class GpuException extends RuntimeException {
    public GpuException(String message) {
        super(message);
    }

    public GpuException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The device refused an allocation; the message has the request and the allocator's numbers. */
    public static final class OutOfMemory extends GpuException {
        public OutOfMemory(String message) {
            super(message);
        }
    }
}

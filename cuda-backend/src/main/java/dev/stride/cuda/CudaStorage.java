package dev.stride.cuda;

import dev.stride.backend.Storage;
import dev.stride.tensor.DType;

/** Device memory from the caching allocator; the last release (or the Cleaner) returns it there. */
final class CudaStorage extends Storage {
    final long address;

    CudaStorage(CudaBackend backend, DType dtype, long numel, long address, Allocator allocator) {
        super(backend, dtype, numel, new Free(allocator, address, numel * dtype.bytes()));
        this.address = address;
    }

    /** Refers to the allocator and the address only, never to the storage, so the Cleaner can run it. */
    private record Free(Allocator allocator, long address, long bytes) implements Runnable {
        @Override
        public void run() {
            allocator.release(address, bytes);
        }
    }
}

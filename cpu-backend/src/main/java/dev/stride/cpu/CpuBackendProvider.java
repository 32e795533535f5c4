package dev.stride.cpu;

import dev.stride.backend.Backend;
import dev.stride.backend.BackendProvider;

/** Registers the CPU backend; always available, lowest priority. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Backend create() {
        CpuWarmup.start();
        return new CpuBackend();
    }
}

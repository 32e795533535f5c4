package dev.stride.backend;

/** Found through {@link java.util.ServiceLoader}; one per backend module. */
public interface BackendProvider {
    /** The name users select it by ({@code cpu}, {@code cuda}). */
    String name();

    /** Among available backends the highest priority is the default. */
    int priority();

    /** Why this backend cannot run here, or {@code null} when it can. Must not throw. */
    String unavailableReason();

    Backend create();
}

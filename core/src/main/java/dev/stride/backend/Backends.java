package dev.stride.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds backends with {@link ServiceLoader}. {@code -Dstride.backend=NAME} or {@code STRIDE_BACKEND=NAME}
 * picks one; otherwise the available backend of highest priority is the default. Each backend is created once.
 */
public final class Backends {
    private static final List<BackendProvider> PROVIDERS = load();
    private static final java.util.Map<String, Backend> CREATED = new java.util.concurrent.ConcurrentHashMap<>();
    private static volatile Backend defaultBackend;

    private Backends() {}

    private static List<BackendProvider> load() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return List.copyOf(list);
    }

    /** The backend tensors are made on when none is named. */
    public static Backend defaultBackend() {
        Backend b = defaultBackend;
        if (b == null) {
            synchronized (Backends.class) {
                if (defaultBackend == null) defaultBackend = get(requestedName());
                b = defaultBackend;
            }
        }
        return b;
    }

    /** Makes {@code backend} the default for tensors created from now on. */
    public static void setDefault(Backend backend) {
        defaultBackend = backend;
    }

    /** The named backend, or the best available one when {@code name} is null or "auto". */
    public static Backend get(String name) {
        if (name == null || name.isBlank() || name.equals("auto")) {
            for (BackendProvider p : PROVIDERS) {
                if (p.unavailableReason() == null) return create(p);
            }
            throw new IllegalStateException("no Stride backend is available. " + describe());
        }
        for (BackendProvider p : PROVIDERS) {
            if (!p.name().equals(name)) continue;
            String why = p.unavailableReason();
            if (why != null) {
                throw new IllegalArgumentException("backend '" + name + "' is not available: " + why + ". Available: "
                        + String.join(", ", available()));
            }
            return create(p);
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'. " + describe());
    }

    private static Backend create(BackendProvider p) {
        return CREATED.computeIfAbsent(p.name(), n -> p.create());
    }

    /** One line per provider: available, or why not. */
    public static String describe() {
        if (PROVIDERS.isEmpty()) return "No backend is on the class path (add stride-cpu).";
        StringBuilder sb = new StringBuilder("Backends:");
        for (BackendProvider p : PROVIDERS) {
            String why = p.unavailableReason();
            sb.append(' ').append(p.name()).append(why == null ? " (available)" : " (unavailable: " + why + ")").append(';');
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /**
     * The backend a user asked for: {@code explicit} (a command-line option) when given, else {@code -Dstride.backend},
     * else {@code STRIDE_BACKEND}, else the best available. An unknown or unavailable name is an error listing the
     * backends.
     */
    public static Backend select(String explicit) {
        return get(explicit != null && !explicit.isBlank() ? explicit : requestedName());
    }

    public static List<String> available() {
        return PROVIDERS.stream().filter(p -> p.unavailableReason() == null).map(BackendProvider::name).toList();
    }

    private static String requestedName() {
        String prop = System.getProperty("stride.backend");
        if (prop != null && !prop.isBlank()) return prop;
        return System.getenv("STRIDE_BACKEND");
    }
}

package dev.stride.testing;

import dev.stride.backend.Backend;
import dev.stride.backend.BinaryOp;
import dev.stride.backend.Distribution;
import dev.stride.backend.ReduceOp;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.Update;
import dev.stride.loss.Loss;
import dev.stride.nn.Activation;
import dev.stride.nn.Module;
import dev.stride.optim.schedule.Schedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The parity catalog: every primitive and fused op of the SPI, every layer, activation and loss, every optimizer
 * rule, every schedule and two end-to-end trainings, as {@link Parity.Case}s that run on any two backends. It is a
 * conformance kit: a new backend passes when {@code Parity.run(ParityCatalog.all(), cpu, it, null)} does, and its
 * fused overrides when {@link #fused()} passes against {@link PrimitivesOnly} over it. {@link #missing()} names
 * whatever exists without a case, so that adding a layer or an op without one fails the build.
 */
public final class ParityCatalog {
    private ParityCatalog() {}

    public static List<Parity.Case> all() {
        List<Parity.Case> c = new ArrayList<>(ParityPrimitives.cases());
        c.addAll(ParityModels.cases());
        c.addAll(ParityTraining.cases());
        return c;
    }

    /** The fused-op and optimizer cases, which compare a backend's overrides with their composites. */
    public static List<Parity.Case> fused() {
        List<Parity.Case> c = new ArrayList<>(ParityPrimitives.fused());
        for (Parity.Case k : ParityTraining.cases()) {
            if (k.group().equals("optimizer")) c.add(k);
        }
        return c;
    }

    /** Every optimizer rule in each of its modes, as the optimizer cases run them (for kernels' own tests too). */
    public static List<dev.stride.backend.Update> updateRules() {
        return ParityTraining.rules();
    }

    /** Everything that exists without a case that covers it, by name; empty when the catalog is complete. */
    public static List<String> missing() {
        List<String> names = all().stream().map(Parity.Case::name).toList();
        List<String> missing = new ArrayList<>();
        for (String want : required()) {
            if (names.stream().noneMatch(n -> n.equals(want) || n.startsWith(want + " ") || n.contains(" " + want + " ")
                    || n.endsWith(" " + want))) {
                missing.add(want);
            }
        }
        return missing;
    }

    /** What must have a case, enumerated from the code itself. */
    public static Set<String> required() {
        Set<String> r = new TreeSet<>();
        for (UnaryOp op : UnaryOp.values()) r.add("unary " + op);
        for (BinaryOp op : BinaryOp.values()) r.add("binary " + op);
        for (ReduceOp op : ReduceOp.values()) r.add("reduce " + op);
        for (Distribution d : Distribution.values()) r.add("random " + d);
        for (Method m : Backend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) continue;
            String n = m.getName();
            if (!Set.of("name", "allocate", "write", "read", "synchronize", "ready", "expect", "threadSafe", "binary", "unary", "reduce", "random").contains(n)) r.add(n);
        }
        for (Class<?> rule : Update.class.getPermittedSubclasses()) r.add("optimizerStep " + rule.getSimpleName());
        for (Class<?> layer : moduleClasses()) r.add("layer " + layer.getSimpleName());
        for (Method m : Activation.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers()) && m.getReturnType() == Activation.class) {
                r.add("Activation " + m.getName());
            }
        }
        for (Method m : Loss.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers())) r.add("loss " + m.getName());
        }
        for (Method m : Schedule.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers())) r.add("schedule " + m.getName());
        }
        r.add("schedule ReduceOnPlateau");
        return r;
    }

    /** The public, concrete {@link Module} classes of {@code dev.stride.nn}, found by listing the package. */
    static List<Class<?>> moduleClasses() {
        List<Class<?>> out = new ArrayList<>();
        for (String name : classNames("dev/stride/nn/")) {
            try {
                Class<?> c = Class.forName(name);
                if (Module.class.isAssignableFrom(c) && c != Module.class && Modifier.isPublic(c.getModifiers())
                        && !Modifier.isAbstract(c.getModifiers())) {
                    out.add(c);
                }
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("listing dev.stride.nn: " + name, e);
            }
        }
        return out;
    }

    private static List<String> classNames(String dir) {
        try {
            Path root = Path.of(Module.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            List<String> names = new ArrayList<>();
            if (Files.isDirectory(root)) {
                try (Stream<Path> files = Files.list(root.resolve(dir))) {
                    files.map(p -> dir + p.getFileName()).forEach(names::add);
                }
            } else {
                try (JarFile jar = new JarFile(root.toFile())) {
                    jar.stream().map(e -> e.getName()).filter(n -> n.startsWith(dir) && n.indexOf('/', dir.length()) < 0).forEach(names::add);
                }
            }
            return names.stream().filter(n -> n.endsWith(".class") && !n.contains("$") && !n.endsWith("package-info.class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.')).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.stride.bench.jmh;

/** The JVM flags of the benchmarks' forks: those {@code ./stride} runs with, so that JMH measures what a user gets. */
final class Jvm {
    private Jvm() {}

    static final String VECTOR = "--add-modules=jdk.incubator.vector";
    /** See the {@code stride} script: fewer deoptimizations and recompiles after the warm-up. */
    static final String NO_PROFILED_PREDICATES = "-XX:-UseProfiledLoopPredicate";
}

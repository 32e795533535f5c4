package dev.stride.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector shape every Vector API kernel here uses: 256 bits, eight floats, on every machine. C2 inlines a
 * Vector API call through the receiver classes its type profile saw, and that profile is shared by every caller in
 * the JVM. On an AVX-512 machine the preferred species is 512 bits; with 16-float GEMM vectors beside the 8-lane
 * convolution sums, {@code FloatVector.fma} saw two classes, the kernels compiled after that boxed every vector,
 * and a 512² GEMM ran at 5 GFLOP/s on one core instead of 90. One shape also gives the same bits on AVX2 and
 * AVX-512 machines; on the Zen 4 measured, 256-bit FMAs reach the 512-bit peak (194 against 163 GFLOP/s, 2 cores).
 * Nothing else in the JVM that runs Stride should use another float or int species.
 */
public final class Simd {
    public static final VectorSpecies<Float> FLOAT = FloatVector.SPECIES_256;
    public static final VectorSpecies<Integer> INT = IntVector.SPECIES_256;
    /** The int lanes seen as longs, for 32×32→64-bit products. */
    static final VectorSpecies<Long> LONG = LongVector.SPECIES_256;
    /** One byte a float lane: dropout's kept flags, widened to floats. */
    static final VectorSpecies<Byte> BYTE = ByteVector.SPECIES_64;
    /**
     * The JVM prefers 512-bit vectors, so it uses AVX-512, whose DQ set multiplies 64-bit lanes in one instruction
     * ({@link VectorPhilox}). Only the shape is asked for; no vector of it is made.
     */
    static final boolean WIDE_LANE_MULTIPLY = VectorShape.preferredShape().vectorBitSize() >= 512;

    private Simd() {}
}

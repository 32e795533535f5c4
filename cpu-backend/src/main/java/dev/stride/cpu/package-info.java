/**
 * The CPU reference backend: plain Java arrays, one fork-join pool, blocked GEMM and direct loops for every fused op.
 */
package dev.stride.cpu;

/**
 * JMH benchmarks of the backend ops and training steps.
 */
package dev.stride.bench.jmh;

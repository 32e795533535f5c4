/**
 * Public test support: tolerances, gradient checks, and a primitives-only wrapper for checking fused ops.
 */
package dev.stride.testing;

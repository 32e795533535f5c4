/**
 * Optimizers (each step one fused backend call per parameter group), parameter groups, clipping, L-BFGS.
 */
package dev.stride.optim;

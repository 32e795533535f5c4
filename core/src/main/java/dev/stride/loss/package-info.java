/**
 * Loss functions and weight penalties, with PyTorch's definitions and reductions.
 */
package dev.stride.loss;

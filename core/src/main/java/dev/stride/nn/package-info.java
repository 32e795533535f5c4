/**
 * Modules, layers, activations and initializers, with PyTorch's defaults and names.
 */
package dev.stride.nn;

/**
 * Tensors, shapes and dtypes; views are metadata over backend storage, and every op checks shapes first.
 */
package dev.stride.tensor;

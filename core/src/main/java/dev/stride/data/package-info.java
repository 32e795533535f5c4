/**
 * Datasets, the seeded data loader, and IDX (MNIST-format) reading.
 */
package dev.stride.data;

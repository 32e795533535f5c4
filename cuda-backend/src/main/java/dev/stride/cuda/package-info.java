/**
 * The CUDA backend: everything above the small {@code Gpu} interface, which JCuda (a real device) and the PTX
 * emulator implement; a caching allocator; one launch of a shipped kernel per primitive.
 */
package dev.stride.cuda;

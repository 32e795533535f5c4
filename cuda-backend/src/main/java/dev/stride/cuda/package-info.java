/**
 * The CUDA backend: everything above the small {@code Gpu} interface, which JCuda (a real device) and the
 * PTX emulator implement. Not built yet: no {@code BackendProvider} is registered, so {@code cuda} is reported
 * as an unknown backend.
 */
package dev.stride.cuda;

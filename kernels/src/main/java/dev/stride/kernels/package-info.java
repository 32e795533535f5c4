/**
 * The CUDA kernels (CUDA C under {@code src/main/cuda}, committed PTX under {@code resources}) and, in
 * {@code dev.stride.kernels.emu}, the PTX emulator that runs them on the CPU. This module depends on nothing of ours.
 */
package dev.stride.kernels;

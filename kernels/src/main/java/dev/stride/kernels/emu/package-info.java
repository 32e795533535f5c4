/**
 * A PTX interpreter that runs the shipped kernels on the CPU: {@link dev.stride.kernels.emu.PtxModule} parses
 * nvcc's PTX, {@link dev.stride.kernels.emu.Emulator} allocates checked device memory and launches kernels with
 * per-thread registers, barriers and warp collectives, and reports instruction and memory-traffic counters;
 * {@link dev.stride.kernels.emu.Lint} lists forms it does not implement.
 */
package dev.stride.kernels.emu;

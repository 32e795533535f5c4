/**
 * The Backend SPI: primitives as op enums, fused ops with composite defaults, and backend discovery.
 */
package dev.stride.backend;

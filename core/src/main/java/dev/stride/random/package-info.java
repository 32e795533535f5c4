/**
 * Philox4x32-10 and the (seed, offset, index) mapping that makes random draws identical on every backend.
 */
package dev.stride.random;

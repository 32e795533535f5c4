/**
 * Model state in safetensors files, written atomically.
 */
package dev.stride.io;

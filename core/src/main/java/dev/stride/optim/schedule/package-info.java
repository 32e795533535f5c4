/**
 * Learning-rate schedules as pure functions of the count, and reduce-on-plateau.
 */
package dev.stride.optim.schedule;

/**
 * The guest programs mmemu runs, as data: {@link io.mmemu.testprograms.GuestProgram} names each
 * static x86-64 ELF binary built from {@code test-programs/src/guest} together with its arguments
 * and the host kernel's verdict on it (exact stdout, exit status or killing signal).
 *
 * <p>Other modules' tests and the benchmarks take their workloads from here, and an emulator test
 * passes when a guest under mmemu matches the same expectations the host kernel met. How to add
 * a program: {@code test-programs/README.md}.
 */
package io.mmemu.testprograms;

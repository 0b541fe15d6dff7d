/**
 * Test machinery for the SLUB model, shipped in the main jar because other modules' tests,
 * the benchmarks and the testkit use it: {@link io.mmemu.slub.testing.ArenaPhysMemory}
 * (physical memory and a buddy page source over one off-heap segment) and
 * {@link io.mmemu.slub.testing.DeterministicScheduler} (tasks interleaved one scheduling point
 * at a time by a seeded policy). Nothing in {@code io.mmemu.slub} depends on this package.
 */
package io.mmemu.slub.testing;

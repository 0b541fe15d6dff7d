/**
 * What a student's page walker for lab 1 (labs/1-page-tables) implements and uses: the
 * {@link io.mmemu.emulator.lab.pgtable.PageWalk} interface, the physical memory it reads
 * ({@link io.mmemu.emulator.lab.pgtable.PhysRead}), the access it translates
 * ({@link io.mmemu.emulator.lab.pgtable.AccessType}) and its answer
 * ({@link io.mmemu.emulator.lab.pgtable.Translation}).
 */
package io.mmemu.emulator.lab.pgtable;

/**
 * {@code mmemu debug}: an interactive debugger over a paused machine. {@link
 * io.mmemu.emulator.debug.Debugger} holds the session and its run control; the views only read the
 * machine's state (crash's {@code kmem -S}, {@link io.mmemu.emulator.debug.KmemS}, is printed by
 * {@code run --kmem-s} too). The machine pauses between two runs of a CPU ({@link
 * io.mmemu.kernel.DebugHook}): the commands are read and executed there, on the one thread that
 * drives the machine.
 */
package io.mmemu.emulator.debug;

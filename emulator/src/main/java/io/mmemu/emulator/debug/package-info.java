/**
 * {@code mmemu debug}: an interactive debugger over a paused machine. {@link
 * io.mmemu.emulator.debug.Debugger} holds the session and its run control; the views ({@link
 * io.mmemu.emulator.debug.PageViews}, {@link io.mmemu.emulator.debug.KmemS}, {@link
 * io.mmemu.emulator.debug.Examine}, ...) are pure functions of the machine's state that {@code run}
 * reuses at exit. The machine pauses between two runs of a CPU ({@link io.mmemu.kernel.DebugHook}):
 * the commands are read and executed there, on the one thread that drives the machine.
 */
package io.mmemu.emulator.debug;

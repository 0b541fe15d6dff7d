/**
 * Record, replay and shrink of guest runs (docs/record-format.md).
 *
 * <p>A run is deterministic given its configuration ({@code RunConfig}), the faults injected and
 * the input it reads. So a log holds the configuration, the injections and the input, which a
 * replay feeds back, and everything else the run drew on (ASLR and AT_RANDOM draws, getrandom
 * bytes, clock readings, scheduling decisions, wake-ups, output), which a replay regenerates and
 * compares, plus checkpoints of the state in parts a report can name.
 *
 * <p>The pieces:
 * <ol>
 *   <li>{@link io.mmemu.emulator.record.EventTap} turns the kernel's {@code RunEvents} and the
 *       fault injector's injections into {@link io.mmemu.emulator.record.LogRecord}s with their
 *       positions (kernel entries, instructions when counted, CPU), and takes checkpoints
 *       ({@link io.mmemu.emulator.record.Checkpoints}); the recorder appends each record to a
 *       {@link io.mmemu.emulator.record.LogWriter}, the replayer compares it with the next record
 *       of the log.</li>
 *   <li>{@link io.mmemu.emulator.record.RecordedRun}, {@link io.mmemu.emulator.record.Replay} and
 *       {@link io.mmemu.emulator.record.Shrink} run guests through {@code GuestRun}, attaching
 *       before the first execve() ({@code Observer.created}).</li>
 *   <li>The format ({@code RecordFormat}, {@link io.mmemu.emulator.record.LogReader}) is binary,
 *       versioned, delta-encoded, and written through a memory mapping so a killed run leaves every
 *       record it wrote.</li>
 * </ol>
 *
 * <p>Everything here runs on the one thread that drives the machine, much of it inside an
 * engine's hook: nothing throws from an event, and a replay that diverges only asks the run to
 * stop at its next kernel entry.
 */
package io.mmemu.emulator.record;

package io.mmemu.emulator.run;

import io.mmemu.emulator.Machine;
import io.mmemu.fault.FaultSchedule;
import io.mmemu.fault.FaultSpec;
import io.mmemu.kernel.ExecFailure;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.kernel.elf.ElfFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One guest run from a {@link RunConfig}: a fresh machine, the faults armed, execve(), the run,
 * and how it ended. {@code mmemu run}, a campaign's seeds, record, replay and shrink all run
 * guests through here, so that they agree on what a configuration means and on the exit status.
 */
public final class GuestRun {
    /** How long a run may ignore a timeout's stop (a guest blocked in a host read) before the process exits anyway. */
    static final long STOP_GRACE_MILLIS = 2000;

    /** Looks at the machine of a run as it goes (the recorder, the command line's views at exit). */
    public interface Observer {
        /**
         * The machine was built and its faults armed; the program is not loaded yet (a recorder
         * attaches here, to see the first execve()'s ASLR and AT_RANDOM draws).
         *
         * @param machine the machine
         */
        default void created(Machine machine) {}

        /**
         * The program was loaded and is about to run.
         *
         * @param machine the machine
         */
        default void started(Machine machine) {}

        /**
         * The run ended; the machine still holds its state (the address space is gone: use
         * {@code Task.setBeforeExitMm} from {@link #started} for views of it).
         *
         * @param machine the machine
         * @param result  how the run ended
         */
        default void ended(Machine machine, RunResult result) {}
    }

    /** An observer that looks at nothing. */
    public static final Observer NONE = new Observer() {};

    private GuestRun() {}

    /**
     * Runs {@code config}'s program to its end.
     *
     * @param config         what to run
     * @param io             the streams; mmemu's own lines ("killed by ...") go to its log
     * @param timeoutSeconds wall-time limit (the cut comes between two time slices), 0 for none
     * @param observer       what looks at the machine
     * @return how the run ended
     * @throws IllegalArgumentException when the configuration is invalid ({@link RunConfig#validate})
     */
    public static RunResult run(RunConfig config, GuestIo io, double timeoutSeconds, Observer observer) {
        return run(config, io, timeoutSeconds, observer, null);
    }

    /**
     * Runs {@code config}'s program to its end, injecting exactly the faults of {@code replay}
     * (replay and shrink): the schedule takes over from the --fail specs at the moment they are
     * armed, so that the points' calls are numbered from the same moment as in the recorded run.
     *
     * @param config         what to run
     * @param io             the streams; mmemu's own lines ("killed by ...") go to its log
     * @param timeoutSeconds wall-time limit (the cut comes between two time slices), 0 for none
     * @param observer       what looks at the machine
     * @param replay         the faults to inject by (point, call number), or null for the specs' own decisions
     * @return how the run ended
     * @throws IllegalArgumentException when the configuration is invalid ({@link RunConfig#validate})
     */
    public static RunResult run(RunConfig config, GuestIo io, double timeoutSeconds, Observer observer,
            FaultSchedule replay) {
        return run(config, io, timeoutSeconds, observer, replay, config.program());
    }

    /**
     * Runs {@code config}'s program, read from {@code file} (a replay in another directory than the
     * recording's: argv[0] stays the path the program was given as, so the guest sees the same
     * stack), injecting exactly the faults of {@code replay} when not null.
     *
     * @param config         what to run
     * @param io             the streams; mmemu's own lines ("killed by ...") go to its log
     * @param timeoutSeconds wall-time limit (the cut comes between two time slices), 0 for none
     * @param observer       what looks at the machine
     * @param replay         the faults to inject by (point, call number), or null for the specs' own decisions
     * @param file           where the program's file is
     * @return how the run ended
     * @throws IllegalArgumentException when the configuration is invalid ({@link RunConfig#validate})
     */
    public static RunResult run(RunConfig config, GuestIo io, double timeoutSeconds, Observer observer,
            FaultSchedule replay, Path file) {
        config.validate();
        String name = config.program().toString();
        if (!Files.exists(file)) {
            return failed(io, RunResult.EXIT_NOT_FOUND, name + ": No such file or directory");
        }
        if (config.root() != null && !Files.isDirectory(config.root())) {
            throw new IllegalArgumentException("--root " + config.root() + ": not a directory");
        }
        List<FaultSpec> faults = config.faultSpecs();
        long t0 = System.nanoTime();
        RunProgress progress = io.progress() ? new RunProgress(io.log()) : null;
        if (progress != null) io = io.withOutput(progress.guard(io.stdout()), progress.guard(io.stderr()));
        try (Machine machine = new Machine(config.machineOptions(io))) {
            observer.created(machine);
            String loadError = exec(machine, config, file);
            if (loadError != null) return failed(io, RunResult.EXIT_NOT_EXECUTABLE, loadError);
            // Armed once the program is loaded: loading it stands for what started it, so that a
            // campaign's faults land in the program's own run (its execve()s included), not in mmemu's.
            for (FaultSpec f : faults) f.applyTo(machine.kernel().faults());
            if (replay != null) machine.kernel().faults().replay(replay); // with the specs: calls numbered from here
            if (config.maxInstructions() > 0) machine.setMaxInstructions(config.maxInstructions());
            observer.started(machine);
            AtomicBoolean ended = new AtomicBoolean();
            Thread watchdog = timeoutSeconds > 0 ? startWatchdog(machine, name, timeoutSeconds, ended, io) : null;
            if (progress != null) progress.start(machine);
            RunOutcome outcome = machine.run();
            if (progress != null) progress.stop();
            if (!ended.compareAndSet(false, true)) {
                while (true) Thread.onSpinWait(); // the watchdog gave up on the run and is ending the process
            }
            if (watchdog != null) watchdog.interrupt();
            long wallNanos = System.nanoTime() - t0;
            int status = outcome.killed() ? 128 + outcome.signal() : outcome.exitCode();
            String detail = "";
            if (machine.stopCause() != null) {
                status = RunResult.EXIT_STOPPED;
                detail = describeStop(machine, config, timeoutSeconds);
            } else if (outcome.killed()) {
                detail = "killed by " + SignalNames.describe(outcome);
            } else if (config.verbose()) {
                detail = "exited with status " + outcome.exitCode();
            }
            if (!detail.isEmpty()) io.log().println("mmemu: " + name + ": " + detail);
            long insns = config.countInstructions() || config.maxInstructions() > 0 ? machine.instructions() : -1;
            RunResult result = new RunResult(status, true, outcome.killed() ? outcome.signal() : 0, machine.stopCause(),
                    detail, insns, machine.staleTranslations().size(), machine.env().kernelSlab().validate(),
                    machine.kernel().faults().injected(), wallNanos);
            observer.ended(machine, result);
            return result;
        }
    }

    /**
     * Loads {@code config}'s program, read from {@code file}, into {@code machine} as its first
     * process (execve()), or says why it cannot: a malformed ELF or a failed exec (the shell's
     * status {@link RunResult#EXIT_NOT_EXECUTABLE}).
     *
     * @param machine the machine
     * @param config  the program, its arguments and environment
     * @param file    where the program's file is
     * @return null when loaded, else the message (without the "mmemu: " prefix)
     */
    public static String exec(Machine machine, RunConfig config, Path file) {
        String name = config.program().toString();
        try {
            machine.exec(file, config.argv(), config.env());
            return null;
        } catch (ElfFormatException e) {
            return name + ": " + e.getMessage();
        } catch (ExecFailure e) {
            return name + ": cannot execute: " + e.getMessage();
        }
    }

    private static RunResult failed(GuestIo io, int status, String detail) {
        io.log().println("mmemu: " + detail);
        return RunResult.execFailed(status, detail);
    }

    /** The one line a stopped run ends with. */
    private static String describeStop(Machine machine, RunConfig config, double timeoutSeconds) {
        return switch (machine.stopCause()) {
            case INSTRUCTION_LIMIT -> String.format(Locale.ROOT, "stopped after %,d instructions (--max-instructions %d)",
                    machine.instructions(), config.maxInstructions());
            // Without a timeout, the stop came from the program's observer (a replay that diverged).
            case REQUEST -> timeoutSeconds > 0 ? timedOut(timeoutSeconds) : "stopped on request";
        };
    }

    private static String timedOut(double s) {
        return "timed out after " + seconds(s) + " s (--timeout " + seconds(s) + ")";
    }

    private static String seconds(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    /**
     * The timeout: a daemon thread that asks the machine to stop after {@code seconds} of wall time
     * (the only use of wall time, which cuts a run but never steers it). A run that does not come
     * back within {@link #STOP_GRACE_MILLIS} (a guest blocked in a read of the host's terminal)
     * is ended there with the same line and status.
     */
    private static Thread startWatchdog(Machine machine, String name, double seconds, AtomicBoolean ended, GuestIo io) {
        machine.allowStopRequests();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        return Thread.ofPlatform().daemon().name("mmemu-timeout").start(() -> {
            try {
                long left;
                while ((left = deadline - System.nanoTime()) > 0) TimeUnit.NANOSECONDS.sleep(left);
                machine.requestStop();
                Thread.sleep(STOP_GRACE_MILLIS);
            } catch (InterruptedException e) {
                return; // the run ended first
            }
            if (!ended.compareAndSet(false, true)) return;
            io.log().println("mmemu: " + name + ": " + timedOut(seconds));
            io.log().flush();
            Runtime.getRuntime().halt(RunResult.EXIT_STOPPED);
        });
    }
}

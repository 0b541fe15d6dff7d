package io.mmemu.emulator.cli;

import io.mmemu.emulator.debug.Debugger;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.RunConfig;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mmemu debug [options] PROGRAM [ARGS...]}: the program paused at its first instruction, under the debugger. */
@Command(addMethodSubcommands = false, name = "debug", mixinStandardHelpOptions = true,
        description = "Loads a static x86-64 ELF program and stops at its first instruction: step it, set breakpoints on "
                + "code, page faults, syscalls, TLB flushes and slab events, watch memory, and look at its page tables, "
                + "TLBs, slab caches and the page allocator (docs/debugger.md). Type help in the session. The exit "
                + "status is the program's when it ran to its end, else 0.")
public final class DebugCommand implements Callable<Integer> {
    /** The options that shape the run, added to this command's by {@link #commandLine()}. */
    final RunOptions run = new RunOptions();

    /** {@return this command's command line: its annotated options with the run options added} */
    CommandLine commandLine() {
        return run.addTo(this);
    }

    @Option(names = "--batch", paramLabel = "FILE", description = "Read the commands from FILE (one a line, # for "
            + "comments) instead of the terminal, and print each after the prompt with its output: a transcript. At "
            + "the end of FILE the program is killed unless it has ended.")
    Path batch;

    @Parameters(index = "0", paramLabel = "PROGRAM", description = "A static x86-64 ELF executable.")
    Path program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the program.")
    List<String> args = new ArrayList<>();

    /** The command with every option at its default; picocli sets the options given. */
    public DebugCommand() {}

    @Override
    public Integer call() {
        return debug(run.config(program, args), batch, System.out, System.err);
    }

    /** Runs the session: from {@code batch} when given (its transcript on {@code out}), else the terminal. */
    static int debug(RunConfig config, Path batch, PrintStream out, PrintStream log) {
        if (RunCommand.libraryMissing(log)) return 1;
        try {
            return batch != null ? Debugger.batch(config, batch, out, GuestIo.standard(log))
                    : Debugger.interactive(config, GuestIo.standard(log));
        } catch (IllegalArgumentException | UncheckedIOException e) {
            log.println("mmemu: " + e.getMessage());
            return 2;
        }
    }
}

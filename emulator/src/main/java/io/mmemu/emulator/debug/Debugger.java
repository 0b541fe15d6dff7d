package io.mmemu.emulator.debug;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import io.mmemu.emulator.run.SignalNames;
import io.mmemu.kernel.DebugHook;
import io.mmemu.kernel.Kernel;
import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.trace.TraceFilter;
import io.mmemu.trace.Tracer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A debugging session over one machine: the program is loaded and paused at its first
 * instruction, and commands run it on and look at it.
 *
 * <h2>How the machine pauses</h2>
 * The machine has one thread, which drives every CPU; the debugger runs its commands on it. The
 * session starts before {@link Machine#run}, and after that the kernel's scheduler calls {@link
 * #afterRun} each time a CPU's run returns ({@link DebugHook}): between two runs, with every
 * engine stopped and RIP precise. When something wants a pause (an address breakpoint's code
 * hook, a watchpoint's memory hook, a catchpoint's event from the trace stream, see {@link
 * Breakpoints} and {@link EventStops}), it records why and asks the CPU running to stop at its
 * next safe point ({@link Cpu#requestStop}): the engine stops and the run returns as a yield
 * would, once the kernel's work for the event is done. {@code afterRun} then finds the reasons and
 * runs the command loop; resuming is returning from it. Stepping N instructions sets the CPU's
 * exact stop count ({@link DebugHook#stopAt}), so the run that reaches it ends right after the Nth.
 * Quitting asks the kernel to stop the run (its tasks are killed as a --timeout would).
 */
public final class Debugger implements DebugHook {
    private final Machine machine;
    private final Console console;
    private final PrintStream out;
    private final Path program;
    private final Breakpoints breakpoints;
    private final EventStops events;
    private final Inspector inspector;
    private Symbols symbols = Symbols.none();
    /** The CPU the session looks at: the one that paused last. */
    private int cpu;
    /** The instruction count of {@link #stepCpu} at which a step ends, or -1. */
    private long stepTarget = -1;
    private int stepCpu;
    private String stepWhat = "";
    private boolean quitting;
    private boolean ended;

    private Debugger(Machine machine, Console console, Path program) {
        this.machine = machine;
        this.console = console;
        this.out = console.out();
        this.program = program;
        this.breakpoints = new Breakpoints(machine.cpus(), n -> machine.cpus().get(machine.kernel().currentCpu()).requestStop());
        this.events = new EventStops(breakpoints, this::mm);
        this.inspector = new Inspector(machine, this, out);
    }

    /**
     * Loads {@code config}'s program and runs the session.
     *
     * @param config  what to run (its options as {@code run}'s)
     * @param console where commands come from and output goes
     * @param io      the guest's streams
     * @return the program's exit status if it ran to its end, else 0 ({@code quit}); 126 or 127 when it cannot be loaded
     */
    public static int run(RunConfig config, Console console, GuestIo io) {
        return run(config, console, io, new ArrayList<>(1));
    }

    /** {@link #run}, adding the session's debugger to {@code session} once the program is loaded (for completion). */
    private static int run(RunConfig config, Console console, GuestIo io, List<Debugger> session) {
        config.validate();
        PrintStream out = console.out();
        if (!Files.exists(config.program())) {
            out.println("mmemu: " + config.program() + ": No such file or directory");
            return RunResult.EXIT_NOT_FOUND;
        }
        try (Machine machine = new Machine(config.machineOptions(io))) {
            String loadError = GuestRun.exec(machine, config, config.program());
            if (loadError != null) {
                out.println("mmemu: " + loadError);
                return RunResult.EXIT_NOT_EXECUTABLE;
            }
            Debugger d = new Debugger(machine, console, config.program());
            session.add(d);
            return d.session();
        }
    }

    /** Names of the commands, for completion and {@code help}. */
    static final List<String> COMMANDS = List.of("help", "step", "stepi", "next", "continue", "until", "break", "watch",
            "delete", "info", "regs", "x", "disas", "vtop", "pte", "pmap", "maps", "tlb", "slabinfo", "kmem", "vmstat",
            "buddyinfo", "tasks", "quit");

    private int session() {
        try {
            symbols = Symbols.read(program, Registers.of(machine.cpu()).rip);
        } catch (IOException e) {
            out.println("mmemu debug: cannot read the symbols of " + program + ": " + e.getMessage());
        }
        machine.kernel().setTracer(new Tracer(TraceFilter.ALL, events));
        machine.kernel().setDebugHook(this);
        machine.allowStopRequests();
        out.printf(Locale.ROOT, "mmemu debug: %s loaded as pid %d, %d symbols; stopped at its first instruction. "
                + "Type help for the commands.%n", program.getFileName(), machine.task().tgid(), symbols.size());
        pause(List.of());
        if (quitting) return 0;
        RunOutcome outcome = machine.run();
        ended = true;
        events.paused = true;
        for (String h : breakpoints.hits) out.println(h + " (as the program ended)");
        if (quitting) {
            out.println("[program killed: quit]");
            return 0;
        }
        int status = outcome.killed() ? 128 + outcome.signal() : outcome.exitCode();
        out.println(outcome.killed() ? "[program killed by " + SignalNames.describe(outcome) + "]"
                : "[program exited with status " + outcome.exitCode() + "]");
        commandLoop(); // what is left of the script: the machine's state after the program
        return status;
    }

    /** {@inheritDoc} Pauses when a step ended on {@code c} or something asked for a stop. */
    @Override
    public void afterRun(ArchCpu c, RunOutcome outcome) {
        if (quitting) return;
        boolean stepped = stepTarget >= 0 && c.id() == stepCpu && c.instructions() >= stepTarget;
        if (!stepped && breakpoints.hits.isEmpty()) return;
        if (c.current() == null || c.current().exited()) return; // reported when the program ends
        cpu = c.id();
        List<String> why = new ArrayList<>(breakpoints.hits);
        if (stepped && why.isEmpty()) why.add(stepWhat);
        pause(why);
    }

    /** {@inheritDoc} The end of a step on its CPU. */
    @Override
    public long stopAt(ArchCpu c) {
        return stepTarget >= 0 && c.id() == stepCpu ? stepTarget : Long.MAX_VALUE;
    }

    /** The machine is paused: say why and where, then take commands until one resumes it. */
    private void pause(List<String> why) {
        events.paused = true;
        stepTarget = -1;
        breakpoints.deleteHitTemporaries();
        for (String w : why) out.println(w);
        breakpoints.resolveWatches(mm());
        out.print(inspector.location(current()));
        commandLoop();
        events.paused = false;
    }

    /** Reads and runs commands until one resumes the machine (or the input ends: quit). */
    private void commandLoop() {
        String line;
        while ((line = console.readLine()) != null) {
            try {
                if (command(line.strip())) return;
            } catch (IllegalArgumentException | IllegalStateException | GuestMemory.UnmappedException e) {
                out.println(e.getMessage());
            }
        }
        if (!ended) quit();
    }

    /** Runs one command; returns whether it resumed the machine. */
    private boolean command(String line) {
        String[] w = line.split("\\s+");
        String cmd = w[0];
        String rest = line.substring(cmd.length()).strip();
        if (cmd.startsWith("x/") || cmd.equals("x")) {
            inspector.examine(cmd.substring(1), rest);
            return false;
        }
        switch (cmd) {
            case "help", "h" -> out.print(Help.TEXT);
            case "step", "stepi", "si", "s" -> {
                return step(rest.isEmpty() ? 1 : parseCount(rest));
            }
            case "next", "nexti", "ni", "n" -> {
                return next();
            }
            case "continue", "c" -> {
                return resume();
            }
            case "until", "u" -> {
                requireRunning();
                breakpoints.add(Breakpoint.Kind.ADDRESS, address(rest), 0, -1, null, true);
                return resume();
            }
            case "break", "b" -> breakCommand(w, rest);
            case "watch" -> {
                if (w.length < 2) throw new IllegalArgumentException("usage: watch ADDR [r|w|rw]");
                String mode = w.length > 2 ? w[2] : "w";
                if (!List.of("r", "w", "rw").contains(mode)) throw new IllegalArgumentException("watch: mode is r, w or rw (got " + mode + ")");
                Breakpoint b = breakpoints.add(Breakpoint.Kind.WATCH, address(w[1]), 0, -1, mode, false);
                breakpoints.resolveWatches(mm());
                out.println(b.announce(symbols));
            }
            case "delete", "d" -> {
                for (int i = 1; i < w.length; i++) {
                    out.println(breakpoints.delete((int) parseCount(w[i])) ? "Deleted " + w[i] : "No breakpoint number " + w[i]);
                }
            }
            case "info", "i" -> {
                if (w.length < 2 || !w[1].startsWith("b")) throw new IllegalArgumentException("usage: info breakpoints");
                out.println("Num  Type        Disp Where");
                for (Breakpoint b : breakpoints.all()) out.println(b.describe(symbols));
                if (breakpoints.all().isEmpty()) out.println("(no breakpoints)");
            }
            case "quit", "q" -> {
                quit();
                return true;
            }
            default -> inspector.command(cmd, w, rest);
        }
        return false;
    }

    private void breakCommand(String[] w, String rest) {
        if (w.length < 2) throw new IllegalArgumentException("usage: break ADDR|SYMBOL | break fault [LO-HI] [KIND] | "
                + "break syscall NAME | break flush | break slab CACHE");
        Breakpoint b = switch (w[1]) {
            case "fault" -> {
                long lo = 0;
                long hi = -1;
                String kind = null;
                for (int i = 2; i < w.length; i++) {
                    if (w[i].contains("-") && !Breakpoint.isFaultKind(w[i])) {
                        String[] r = w[i].split("-", 2);
                        lo = address(r[0]);
                        hi = address(r[1]);
                    } else if (Breakpoint.isFaultKind(w[i])) {
                        kind = w[i];
                    } else {
                        throw new IllegalArgumentException("break fault: expected a range LO-HI or a kind ("
                                + String.join(", ", Breakpoint.FAULT_KINDS) + "), got " + w[i]);
                    }
                }
                yield breakpoints.add(Breakpoint.Kind.FAULT, 0, lo, hi, kind, false);
            }
            case "syscall" -> {
                if (w.length < 3) throw new IllegalArgumentException("usage: break syscall NAME (e.g. munmap)");
                if (Kernel.syscallNumber(w[2]) < 0) {
                    throw new IllegalArgumentException("break syscall: Linux has no syscall named " + w[2]
                            + " (x86-64 names, e.g. munmap, mprotect, exit_group)");
                }
                yield breakpoints.add(Breakpoint.Kind.SYSCALL, 0, 0, -1, w[2], false);
            }
            case "flush" -> breakpoints.add(Breakpoint.Kind.FLUSH, 0, 0, -1, null, false);
            case "slab" -> {
                if (w.length < 3) throw new IllegalArgumentException("usage: break slab CACHE (slabinfo lists them)");
                if (machine.env().kernelSlab().slub().findCache(w[2]) == null) {
                    throw new IllegalArgumentException("break slab: no cache " + w[2] + " (slabinfo lists them)");
                }
                yield breakpoints.add(Breakpoint.Kind.SLAB, 0, 0, -1, w[2], false);
            }
            default -> breakpoints.add(Breakpoint.Kind.ADDRESS, address(rest), 0, -1, null, false);
        };
        out.println(b.announce(symbols));
    }

    /** {@code step N}: run exactly N instructions on this CPU (fewer if something stops it first). */
    private boolean step(long n) {
        requireRunning();
        if (n < 1) throw new IllegalArgumentException("step: the count must be positive (got " + n + ")");
        Cpu c = current();
        stepCpu = c.id();
        stepTarget = c.instructions() + n;
        stepWhat = String.format(Locale.ROOT, "Stepped %d instruction(s) on cpu %d", n, c.id());
        breakpoints.resume(Registers.of(c).rip);
        return true;
    }

    /** {@code next}: step over a call (a temporary breakpoint after it), else one instruction. */
    private boolean next() {
        requireRunning();
        var problem = Capstone.problem();
        if (problem.isPresent()) {
            out.println("next needs Capstone to see whether the instruction is a call; stepping one instruction. "
                    + problem.get());
            return step(1);
        }
        long rip = Registers.of(current()).rip;
        byte[] code = new byte[16];
        int n = new GuestMemory(mm()).read(rip, code, code.length);
        List<Capstone.Insn> insns = Capstone.disasm(Arrays.copyOf(code, n), rip, 1);
        if (insns.isEmpty() || !insns.getFirst().mnemonic().startsWith("call")) return step(1);
        breakpoints.add(Breakpoint.Kind.ADDRESS, rip + insns.getFirst().size(), 0, -1, null, true);
        return resume();
    }

    private boolean resume() {
        requireRunning();
        breakpoints.resume(Registers.of(current()).rip);
        return true;
    }

    private void quit() {
        quitting = true;
        breakpoints.hits.clear(); // what stopped the machine last was said when it stopped
        machine.requestStop();
    }

    private void requireRunning() {
        if (ended) throw new IllegalStateException("The program is not being run (it has ended).");
    }

    private static long parseCount(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number, got " + s);
        }
    }

    /**
     * An address operand: a number (hex with 0x, else decimal... as gdb: 0x for hex), a symbol, a
     * symbol+offset, {@code $reg} ({@code $cr2}: the last page fault's address), or {@code *ADDR}.
     */
    long address(String operand) {
        String t = operand.strip();
        String s = t.startsWith("*") ? t.substring(1) : t;
        if (s.isEmpty()) throw new IllegalArgumentException("expected an address, a symbol or $reg");
        int plus = s.indexOf('+', 1);
        if (plus > 0) return address(s.substring(0, plus)) + address(s.substring(plus + 1));
        if (s.startsWith("$")) {
            String reg = s.substring(1).toLowerCase(Locale.ROOT);
            if (reg.equals("cr2")) return events.lastFaultAddress;
            return Registers.named(current(), reg).orElseThrow(() -> new IllegalArgumentException("no register " + s));
        }
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) return Long.parseUnsignedLong(s.substring(2), 16);
            if (Character.isDigit(s.charAt(0))) return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + s);
        }
        return symbols.address(s).orElseThrow(() -> new IllegalArgumentException("No symbol \"" + s + "\" in "
                + program.getFileName() + (symbols.size() == 0 ? " (it has no symbol table)" : "")));
    }

    /** {@return the CPU the session looks at} */
    Cpu current() {
        return machine.cpus().get(cpu);
    }

    /** {@return the task on the CPU looked at (or the program's first), null once everything ended} */
    Task task() {
        Task t = current().current();
        if (t == null || t.exited()) t = machine.task();
        return t == null || t.exited() ? null : t;
    }

    /** {@return the address space looked at, or null when there is none (the program ended)} */
    MmStruct mm() {
        Task t = task();
        return t == null ? null : t.mm();
    }

    /** {@return the program's symbols} */
    Symbols symbols() {
        return symbols;
    }

    /** {@return the last page fault's address ($cr2)} */
    long lastFaultAddress() {
        return events.lastFaultAddress;
    }

    /** {@return the names completion offers after a command: symbols and slab caches} */
    List<String> completionWords() {
        List<String> words = new ArrayList<>(symbols.names());
        words.addAll(KmemS.names(machine.env().kernelSlab().slub()));
        words.addAll(List.of("fault", "syscall", "flush", "slab", "breakpoints", "-S"));
        return words;
    }

    /**
     * Runs a session whose commands come from the terminal (JLine).
     *
     * @param config what to run
     * @param io     the guest's streams
     * @return as {@link #run}
     */
    public static int interactive(RunConfig config, GuestIo io) {
        List<Debugger> session = new ArrayList<>(1);
        try (Console console = Console.terminal(COMMANDS, () -> session.isEmpty() ? List.of() : session.getFirst().completionWords())) {
            return run(config, console, io, session);
        }
    }

    /**
     * Runs a session whose commands come from {@code script}, its transcript on {@code out}.
     *
     * @param config what to run
     * @param script the commands, one a line
     * @param out    where the transcript goes
     * @param io     the guest's streams
     * @return as {@link #run}
     */
    public static int batch(RunConfig config, Path script, PrintStream out, GuestIo io) {
        try (Console console = Console.batch(script, out)) {
            return run(config, console, io);
        }
    }
}

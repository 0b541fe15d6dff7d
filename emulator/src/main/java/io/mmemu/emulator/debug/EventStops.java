package io.mmemu.emulator.debug;

import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.trace.FaultOutcome;
import io.mmemu.trace.FlushKind;
import io.mmemu.trace.TraceSink;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The event stream's side of the breakpoints: faults, syscalls, TLB flushes and shootdowns, and
 * slab events that a catchpoint asks for become hits, and the CPU running asks to stop at its
 * next safe point (after the kernel's work for the event: a fault is handled, a syscall returns).
 * It also keeps the last fault's address ({@code $cr2}). Events while the debugger holds the
 * machine (its own views) are ignored. Never throws (some events come from inside an engine's hook):
 * {@link Breakpoints#hit} keeps what could fail.
 */
final class EventStops implements TraceSink {
    private final Breakpoints breakpoints;
    private final Supplier<MmStruct> mm;
    /** Whether the debugger holds the machine (events then come from its own commands). */
    boolean paused = true;
    /** The last page fault's address (CR2), 0 before any. */
    long lastFaultAddress;
    /** A syscall catchpoint's message waiting for the syscall's result, or null. */
    private String syscallHit;

    EventStops(Breakpoints breakpoints, Supplier<MmStruct> mm) {
        this.breakpoints = breakpoints;
        this.mm = mm;
    }

    @Override
    public void fault(long ts, int cpu, long address, int errorCode, long vmaStart, FaultOutcome outcome, boolean stackGrew) {
        if (paused) return;
        lastFaultAddress = address;
        for (Breakpoint b : breakpoints.of(Breakpoint.Kind.FAULT)) {
            if (!b.matchesFault(address, errorCode, outcome)) continue;
            breakpoints.hit(b, cpu, String.format(Locale.ROOT,
                    "Catchpoint %d (page fault at 0x%x, error code 0x%x %s, on cpu %d: %s%s); stopped after the "
                            + "fault was handled, at the next safe point", b.number(), address, errorCode,
                    PfErr.describe(errorCode), cpu, outcome.label(), stackGrew ? ", the stack grew" : ""));
        }
        if (!breakpoints.of(Breakpoint.Kind.WATCH).isEmpty()) breakpoints.resolveWatches(mm.get());
    }

    @Override
    public void syscallEnter(long ts, int cpu, int nr, String name, long a0, long a1, long a2, long a3, long a4, long a5) {
        if (paused) return;
        for (Breakpoint b : breakpoints.of(Breakpoint.Kind.SYSCALL)) {
            if (!b.what().equals(name)) continue;
            syscallHit = String.format(Locale.ROOT, "Catchpoint %d (syscall %s(0x%x, 0x%x, 0x%x, 0x%x, 0x%x, 0x%x) on cpu %d",
                    b.number(), name, a0, a1, a2, a3, a4, a5, cpu);
            breakpoints.hit(b, cpu, syscallHit + ")");
        }
    }

    @Override
    public void syscallExit(long ts, int cpu, int nr, long result) {
        if (paused || syscallHit == null) return;
        int i = breakpoints.hits.indexOf(syscallHit + ")");
        if (i >= 0) breakpoints.hits.set(i, syscallHit + String.format(Locale.ROOT, " returned %d (0x%x))", result, result));
        syscallHit = null;
    }

    @Override
    public void tlbFlush(long ts, int cpu, FlushKind kind, String reason, long start, long end, long pages) {
        if (paused) return;
        for (Breakpoint b : breakpoints.of(Breakpoint.Kind.FLUSH)) {
            String what = kind == FlushKind.FULL ? "the whole TLB (this address space's PCID)"
                    : String.format(Locale.ROOT, "0x%x-0x%x, %d page(s) by INVLPG", start, end, pages);
            breakpoints.hit(b, cpu, String.format(Locale.ROOT, "Catchpoint %d (local TLB flush on cpu %d: %s; %s, for %s)",
                    b.number(), cpu, kind.name().toLowerCase(Locale.ROOT), what, reason));
        }
    }

    @Override
    public void shootdownBegin(long ts, int cpu, long start, long end, boolean freedTables, String reason) {
        if (paused) return;
        for (Breakpoint b : breakpoints.of(Breakpoint.Kind.FLUSH)) {
            breakpoints.hit(b, cpu, String.format(Locale.ROOT,
                    "Catchpoint %d (TLB shootdown from cpu %d: %s%s, for %s)", b.number(), cpu,
                    end == -1 ? "full flush" : String.format(Locale.ROOT, "0x%x-0x%x", start, end),
                    freedTables ? ", page tables freed (lazy CPUs flushed too)" : "", reason));
        }
    }

    @Override
    public void slab(long ts, int cpu, String cache, long object, boolean alloc, boolean fastPath, int retries) {
        if (paused) return;
        for (Breakpoint b : breakpoints.of(Breakpoint.Kind.SLAB)) {
            if (!b.what().equals(cache)) continue;
            breakpoints.hit(b, cpu, String.format(Locale.ROOT, "Catchpoint %d (slab %s of object 0x%x in %s, %s path)",
                    b.number(), alloc ? "alloc" : "free", object, cache, fastPath ? "fast (per-CPU freelist)" : "slow"));
        }
    }
}

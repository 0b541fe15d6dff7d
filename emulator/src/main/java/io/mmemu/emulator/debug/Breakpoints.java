package io.mmemu.emulator.debug;

import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.unicorn.Uc;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.mm.proc.TableWalk;
import io.mmemu.mm.vma.MmStruct;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * The session's breakpoints and what they need in the engines: a Unicorn code hook on each CPU at
 * a breakpoint's address (its callback asks the CPU to stop, before the instruction runs), and a
 * memory hook per watchpoint on each CPU. Memory hooks see physical addresses (UC_TLB_VIRTUAL),
 * so a watchpoint holds the frame its address maps to, looked up again whenever the machine
 * pauses and after each fault on its page. Hooks are added and removed only while the machine is
 * paused; their callbacks never throw (they run inside the engine).
 *
 * <p>What stopped the machine is collected in {@link #hits}: the hooks here and the event stream
 * ({@link EventStops}) add to it; the debugger prints and clears it at the next pause.
 */
final class Breakpoints {
    private final List<Cpu> cpus;
    /** Asks CPU n to end its run at the next safe point. */
    private final IntConsumer stop;
    private final List<Breakpoint> list = new ArrayList<>();
    /** Per breakpoint number, its hook on each CPU, in CPU order. */
    private final Map<Integer, List<Unicorn.HookHandle>> hooks = new HashMap<>();
    /** Per watchpoint number, the physical address its address maps to, -1 when not mapped. */
    private final Map<Integer, Long> watchPa = new HashMap<>();
    private int next = 1;
    /** What asked for the pause, in order; read and cleared by the debugger. */
    final List<String> hits = new ArrayList<>();
    /** Breakpoint numbers hit since the last resume (a watchpoint reports once per stop). */
    private final List<Integer> hitNumbers = new ArrayList<>();
    /**
     * While watchpoints exist, a code hook everywhere on each CPU: a watched access asks for the
     * stop there, before the next instruction, once the accessing one has completed (stopping the
     * engine inside the memory hook would leave RIP on the access, which would run again).
     */
    private final List<Unicorn.HookHandle> watchStepHooks = new ArrayList<>();
    /** Per CPU, whether a watched access happened in the instruction running: stop before the next. */
    private final boolean[] watchHit;
    /** The code address to run past once, without stopping: where the machine is paused on resume. */
    private long skipAddress = -1;

    Breakpoints(List<Cpu> cpus, IntConsumer stop) {
        this.cpus = cpus;
        this.stop = stop;
        this.watchHit = new boolean[cpus.size()];
    }

    /** {@return the breakpoints, in number order} */
    List<Breakpoint> all() {
        return List.copyOf(list);
    }

    /** Adds {@code b} (numbered by {@link #number}) and the hooks it needs. */
    Breakpoint add(Breakpoint.Kind kind, long address, long lo, long hi, String what, boolean temporary) {
        Breakpoint b = new Breakpoint(next++, kind, address, lo, hi, what, temporary);
        list.add(b);
        if (kind == Breakpoint.Kind.ADDRESS) {
            hooks.put(b.number(), hookEachCpu(c -> c.engine().hookCode(false, address, address,
                    (pc, size) -> onCode(b, c.id(), pc))));
        } else if (kind == Breakpoint.Kind.WATCH) {
            int types = (what.contains("r") ? Uc.HOOK_MEM_READ : 0) | (what.contains("w") ? Uc.HOOK_MEM_WRITE : 0);
            hooks.put(b.number(), hookEachCpu(c -> c.engine().hookMemory(types,
                    (type, pa, size, value) -> onAccess(b, c.id(), type, pa, size, value))));
            watchPa.put(b.number(), -1L);
            if (watchStepHooks.isEmpty()) {
                for (Cpu c : cpus) {
                    int id = c.id();
                    watchStepHooks.add(c.engine().hookCode(false, 1, 0, (pc, size) -> onInstructionAfterWatch(id)));
                }
            }
        }
        return b;
    }

    /** Adds the hook {@code add} makes on each CPU, in CPU order, and drops the code they translated before it. */
    private List<Unicorn.HookHandle> hookEachCpu(Function<Cpu, Unicorn.HookHandle> add) {
        List<Unicorn.HookHandle> hs = new ArrayList<>();
        for (Cpu c : cpus) {
            hs.add(add.apply(c));
            c.flushTranslatedCode(); // code translated before the hook existed would not call it
        }
        return hs;
    }

    /**
     * Deletes breakpoint {@code number} and its hooks.
     *
     * @return whether there was one
     */
    boolean delete(int number) {
        Breakpoint b = list.stream().filter(x -> x.number() == number).findFirst().orElse(null);
        if (b == null) return false;
        list.remove(b);
        List<Unicorn.HookHandle> hs = hooks.remove(number);
        if (hs != null) {
            for (int i = 0; i < hs.size(); i++) {
                cpus.get(i).engine().hookDel(hs.get(i));
                cpus.get(i).flushTranslatedCode();
            }
        }
        watchPa.remove(number);
        if (of(Breakpoint.Kind.WATCH).isEmpty() && !watchStepHooks.isEmpty()) {
            for (int i = 0; i < watchStepHooks.size(); i++) {
                cpus.get(i).engine().hookDel(watchStepHooks.get(i));
                cpus.get(i).flushTranslatedCode();
            }
            watchStepHooks.clear();
        }
        return true;
    }

    /** Deletes the temporary breakpoints that were hit (those of next and until). */
    void deleteHitTemporaries() {
        for (Breakpoint b : all()) if (b.temporary() && hitNumbers.contains(b.number())) delete(b.number());
    }

    /** The breakpoints of {@code kind}. */
    List<Breakpoint> of(Breakpoint.Kind kind) {
        List<Breakpoint> out = new ArrayList<>();
        for (Breakpoint b : list) if (b.kind() == kind) out.add(b);
        return out;
    }

    /** Records that {@code b} was hit, with {@code message}, and asks CPU {@code cpu} to stop; never throws. */
    void hit(Breakpoint b, int cpu, String message) {
        if (!hitNumbers.contains(b.number())) {
            hitNumbers.add(b.number());
            hits.add(message);
        }
        try {
            stop.accept(cpu);
        } catch (RuntimeException e) { // called from inside an engine: nothing may escape
            hits.add("could not stop cpu " + cpu + ": " + e);
        }
    }

    /** Before resuming at {@code rip}: a breakpoint there is run past once; hits start afresh. */
    void resume(long rip) {
        skipAddress = -1;
        for (Breakpoint b : of(Breakpoint.Kind.ADDRESS)) if (b.address() == rip) skipAddress = rip;
        hits.clear();
        hitNumbers.clear();
    }

    /** Looks up again the frame each watchpoint's address maps to in {@code mm} (null: none mapped). */
    void resolveWatches(MmStruct mm) {
        for (Breakpoint b : of(Breakpoint.Kind.WATCH)) {
            watchPa.put(b.number(), mm == null ? -1L : TableWalk.translate(mm, b.address()));
        }
    }

    /** A code hook: stop before the instruction at a breakpoint (unless it is the one being resumed from). */
    private void onCode(Breakpoint b, int cpu, long pc) {
        try {
            if (pc == skipAddress) {
                skipAddress = -1;
                return;
            }
            hit(b, cpu, String.format(Locale.ROOT, "%s %d, 0x%x", b.temporary() ? "Temporary breakpoint" : "Breakpoint",
                    b.number(), pc));
        } catch (Throwable t) {
            hits.add("breakpoint " + b.number() + ": " + t);
        }
    }

    /** The code hook while watchpoints exist: the instruction after a watched access stops before it runs. */
    private void onInstructionAfterWatch(int cpu) {
        if (!watchHit[cpu]) return;
        watchHit[cpu] = false;
        stop.accept(cpu);
    }

    /** A memory hook: an access that overlaps a watched address (by the frame it maps to) stops the CPU before its next instruction. */
    private void onAccess(Breakpoint b, int cpu, int type, long pa, int size, long value) {
        try {
            long w = watchPa.getOrDefault(b.number(), -1L);
            if (w < 0 || pa >= w + 8 || pa + size <= w) return;
            boolean write = type == Uc.MEM_WRITE;
            if (hitNumbers.contains(b.number())) return;
            hitNumbers.add(b.number());
            hits.add(String.format(Locale.ROOT, "Watchpoint %d: %s of %d byte(s) at 0x%x%s", b.number(),
                    write ? "write" : "read", size, b.address() + (pa - w),
                    write ? String.format(Locale.ROOT, ", new value 0x%x", value) : ""));
            watchHit[cpu] = true;
        } catch (Throwable t) {
            hits.add("watchpoint " + b.number() + ": " + t);
        }
    }
}

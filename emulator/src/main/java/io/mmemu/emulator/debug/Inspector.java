package io.mmemu.emulator.debug;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.mm.proc.Pmap;
import io.mmemu.mm.proc.TableWalk;
import io.mmemu.mm.proc.Vmstat;
import io.mmemu.mm.proc.Vtop;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.MmStruct;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The commands that look at the paused machine without running it: registers, memory,
 * disassembly, page tables, the TLBs, the slab caches, the page allocator and the tasks. Each
 * reads only (no flush, no Accessed bit, no fault), so looking never changes what the run does.
 */
final class Inspector {
    private final Machine machine;
    private final Debugger session;
    private final PrintStream out;
    private final Examine examine = new Examine();

    Inspector(Machine machine, Debugger session, PrintStream out) {
        this.machine = machine;
        this.session = session;
        this.out = out;
    }

    /** Runs inspection command {@code cmd} (words {@code w}, the text after the command {@code rest}). */
    void command(String cmd, String[] w, String rest) {
        switch (cmd) {
            case "regs", "registers" -> out.print(Registers.regs(session.current(), session.symbols(), session.lastFaultAddress()));
            case "disas", "disassemble" -> {
                long addr = w.length > 1 ? session.address(w[1]) : Registers.of(session.current()).rip;
                int n = w.length > 2 ? Integer.parseInt(w[2]) : 8;
                out.print(disas(addr, n));
            }
            case "vtop" -> out.print(Vtop.vtop(requireMm(), session.address(rest)));
            case "pte" -> out.print(PageViews.pte(requireMm(), session.address(rest)));
            case "pmap" -> {
                Task t = requireTask();
                out.print(Pmap.pmapX(t.mm(), t.tgid(), t.comm()));
                out.print(Vmstat.rss(t.mm()));
            }
            case "maps" -> out.print(maps(requireMm()));
            case "tlb" -> out.print(tlb(w.length > 1 ? Integer.parseInt(w[1]) : session.current().id()));
            case "slabinfo" -> {
                out.println("(per-CPU slabs are not flushed first: objects on a CPU's freelist count as active)");
                out.print(machine.env().kernelSlab().slabinfo());
            }
            case "kmem" -> {
                if (w.length < 3 || !w[1].equals("-S")) throw new IllegalArgumentException("usage: kmem -S CACHE");
                var slub = machine.env().kernelSlab().slub();
                out.print(KmemS.kmemS(slub, w[2]).orElseThrow(() -> new IllegalArgumentException(
                        "kmem: no cache " + w[2] + "; caches: " + String.join(", ", KmemS.names(slub)))));
            }
            case "vmstat" -> out.print(Vmstat.vmstat(machine.env()));
            case "buddyinfo" -> {
                out.println("(free blocks of each order: order N is 2^N contiguous 4 KiB pages)");
                out.print(machine.env().allocator().buddyinfo());
            }
            case "tasks", "ps" -> out.print(tasks());
            default -> throw new IllegalArgumentException("Undefined command: \"" + cmd + "\".  Try \"help\".");
        }
    }

    /** {@code x/NFU ADDR}. */
    void examine(String suffix, String addr) {
        Examine.Spec spec = examine.parse(suffix);
        long a = session.address(addr);
        if (spec.format() == 'i') out.print(disas(a, spec.count()));
        else out.print(examine.examine(new GuestMemory(requireMm()), session.symbols(), a, spec));
    }

    /** Where {@code cpu} is paused: RIP, its symbol and the instruction there. */
    String location(Cpu cpu) {
        long rip = Registers.of(cpu).rip;
        if (session.mm() == null) return "";
        String where = String.format(Locale.ROOT, "=> 0x%x %s", rip, session.symbols().describe(rip)).strip();
        if (TableWalk.translate(session.mm(), rip) < 0) {
            return where + "   (its page is not mapped yet: the first fetch faults it in)\n";
        }
        String insn = Capstone.problem().isPresent() ? "" : disas(rip, 1).strip();
        return insn.isEmpty() ? where + "\n" : insn + "\n";
    }

    /** {@code disas ADDR N}: N instructions from ADDR, through Capstone. */
    String disas(long addr, int n) {
        var problem = Capstone.problem();
        if (problem.isPresent()) return problem.get() + "\n";
        byte[] code = new byte[Math.max(16, n * 15)];
        int got = new GuestMemory(requireMm()).read(addr, code, code.length);
        if (got == 0) throw new GuestMemory.UnmappedException(addr);
        StringBuilder b = new StringBuilder();
        long rip = Registers.of(session.current()).rip;
        for (Capstone.Insn i : Capstone.disasm(Arrays.copyOf(code, got), addr, n)) {
            b.append(String.format(Locale.ROOT, "%s 0x%x %-14s %-7s %s%n", i.address() == rip ? "=>" : "  ", i.address(),
                    session.symbols().describe(i.address()), i.mnemonic(), i.operands()));
        }
        return b.toString();
    }

    /** {@code maps}: /proc/PID/maps ({@link MmStruct#maps}) under a line naming its columns. */
    static String maps(MmStruct mm) {
        return "(start-end perms offset dev inode name: one line per VMA)\n" + mm.maps();
    }

    /** {@code tlb CPU}: the CPU's TLB arrays and paging-structure caches, then Linux's per-CPU TLB state. */
    String tlb(int cpu) {
        List<Cpu> cpus = machine.cpus();
        if (cpu < 0 || cpu >= cpus.size()) {
            throw new IllegalArgumentException("tlb: no cpu " + cpu + " (the machine has " + cpus.size() + ")");
        }
        return "cpu " + cpu + " TLB (entries: PCID, virtual page, physical frame, page size, flags)\n"
                + cpus.get(cpu).tlb().dump() + "cpu " + cpu + " Linux TLB state (cpu_tlbstate: loaded mm, ASIDs, tlb_gen)\n"
                + machine.tlbManagement().cpu(cpu).dump();
    }

    /** {@code tasks}: every live task, the CPU it is current on, its address space's CR3. */
    String tasks() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%6s %6s %6s %4s %-12s %s%n", "PID", "TGID", "PPID",
                "CPU", "CR3", "COMM"));
        for (Task t : machine.kernel().liveTasks()) {
            String on = "-";
            for (Cpu c : machine.cpus()) if (c.current() == t) on = Integer.toString(c.id());
            b.append(String.format(Locale.ROOT, "%6d %6d %6d %4s %-12s %s%n", t.pid(), t.tgid(), t.ppid(), on,
                    t.mm() == null ? "-" : String.format(Locale.ROOT, "0x%x", t.mm().pgd().cr3()), t.comm()));
        }
        return b.toString();
    }

    private Task requireTask() {
        Task t = session.task();
        if (t == null || t.mm() == null) throw new IllegalStateException("No address space: the program has ended.");
        return t;
    }

    private MmStruct requireMm() {
        return requireTask().mm();
    }
}

package io.mmemu.emulator.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code mmemu debug --batch} on the bundled pte-walk program (one anonymous page written in
 * touch(), read back, unmapped): stops at a page fault, the PTE chain before and after it, the
 * TLB before and after munmap's flush, and the smaller parts (symbols, x/, watchpoints, steps).
 */
class DebuggerTest {
    private static final Pattern FAULT = Pattern.compile(
            "Catchpoint \\d+ \\(page fault at 0x([0-9a-f]+), error code 0x6 NOT-PRESENT\\|WRITE\\|USER, on cpu 0: new anon page\\)");

    @Test
    void stopsAtThePageFaultWithItsPteChainBeforeAndAfterAndTheTlbAroundMunmapsFlush() {
        DebugSession s = DebugSession.run("pte-walk", "break touch", "continue", "pte $rdi", "break fault write",
                "continue", "pte $cr2", "break munmap", "continue", "tlb", "break flush", "continue", "tlb", "continue");
        assertEquals(0, s.status(), s.transcript());
        assertEquals("wrote and read back 0x1234\n", s.stdout());
        String t = s.transcript();
        Matcher fault = FAULT.matcher(s.after("continue", 1));
        assertTrue(fault.find(), "the write in touch() faults on a page not present, handled as a new anonymous page:\n" + t);
        long page = Long.parseUnsignedLong(fault.group(1), 16);

        String before = s.after("pte $rdi");
        assertTrue(before.startsWith(String.format(Locale.ROOT, "page walk of 0x%x ", page)), "touch's argument is the page:\n" + t);
        assertTrue(before.contains("not present (empty)") && before.contains("=> not mapped"), "before the fault:\n" + before);
        assertFalse(before.contains("PT   (pte)") && before.contains("present writable"), before);

        String after = s.after("pte $cr2");
        List<String> levels = levelLines(after);
        assertEquals(4, levels.size(), "PML4, PDPT, PD, PT after the fault:\n" + after);
        for (String l : levels.subList(0, 3)) assertTrue(l.contains("present writable user") && l.contains("-> table 0x"), l);
        String pte = levels.get(3);
        assertTrue(pte.contains(" present writable user accessed dirty no-execute -> page 0x"),
                "the new page: present, writable, user, accessed and dirty (the write), not executable:\n" + after);
        assertTrue(after.contains("=> 4 KiB page, physical address 0x"), after);
        long frame = Long.parseUnsignedLong(pte.substring(pte.indexOf("-> page 0x") + 10).strip(), 16);

        String vpage = String.format(Locale.ROOT, "0x%016x", page);
        String entry = tlbLine(s.after("tlb", 0), vpage);
        assertTrue(entry != null, "before munmap the TLB caches the page:\n" + s.after("tlb", 0));
        assertTrue(entry.contains(String.format(Locale.ROOT, "0x%013x", frame)) && entry.contains("R W - U D"),
                "the entry maps the PTE's frame, writable, user, dirty: " + entry);
        String flush = s.after("continue", 3);
        assertTrue(flush.contains(String.format(Locale.ROOT, "local TLB flush on cpu 0: range; 0x%x-0x%x, 2 page(s) by INVLPG, "
                + "for munmap", page, page + 0x2000)), flush);
        assertEquals(null, tlbLine(s.after("tlb", 1), vpage), "after the flush the entry is gone:\n" + s.after("tlb", 1));
        assertTrue(t.contains("[program exited with status 0]"), t);
    }

    @Test
    void symbolsNameBreakpointsAndLocations() {
        DebugSession s = DebugSession.run("pte-walk", "break main", "break no_such_function", "info breakpoints", "continue",
                "regs");
        assertTrue(s.after("break main").matches("Breakpoint 1: 0x[0-9a-f]+ <main>\n"), s.transcript());
        assertEquals("No symbol \"no_such_function\" in pte-walk\n", s.after("break no_such_function"));
        assertTrue(s.after("info breakpoints").contains("1    breakpoint  keep 0x"), s.transcript());
        String stop = s.after("continue");
        assertTrue(stop.startsWith("Breakpoint 1, 0x") && stop.contains("=> 0x") && stop.contains("<main>"), stop);
        assertTrue(s.after("regs").contains("<main>"), "rip names its symbol:\n" + s.after("regs"));
        assertEquals(0, s.status(), "quit at the end of the script: killed, status 0");
        assertTrue(s.transcript().endsWith("[program killed: quit]\n"), s.transcript());
    }

    @Test
    void watchpointStopsAfterTheStoreAndXShowsTheValueInEachFormat() {
        DebugSession s = DebugSession.run("pte-walk", "break touch", "continue", "watch $rdi", "continue", "x/1xg $rdi",
                "x/2dw $rdi", "x/2xb $rdi", "x/1uh $rdi", "x/2c $rdi", "continue");
        String hit = s.after("continue", 1);
        assertTrue(hit.matches("(?s)Watchpoint 2: write of 8 byte\\(s\\) at 0x[0-9a-f]+, new value 0x1234\n=> 0x[0-9a-f]+ <touch\\+7>.*"),
                "stopped once the store completed, before the next instruction:\n" + hit);
        assertTrue(s.after("x/1xg $rdi").endsWith(":\t0x0000000000001234\n"), s.transcript());
        assertTrue(s.after("x/2dw $rdi").endsWith(":\t4660\t0\n"), s.transcript());
        assertTrue(s.after("x/2xb $rdi").endsWith(":\t0x34\t0x12\n"), s.transcript());
        assertTrue(s.after("x/1uh $rdi").endsWith(":\t4660\n"), s.transcript());
        assertTrue(s.after("x/2c $rdi").endsWith(":\t52 '4'\t18 '\\022'\n"), s.transcript());
        assertEquals(0, s.status(), s.transcript());
    }

    @Test
    void stepRunsExactlyTheInstructionsAsked() {
        DebugSession s = DebugSession.run("pte-walk", "break main", "continue", "x/5i $rip", "step", "step 3", "step 0");
        List<Long> addresses = new ArrayList<>();
        Matcher m = Pattern.compile("0x([0-9a-f]+) <main").matcher(s.after("x/5i $rip"));
        while (m.find()) addresses.add(Long.parseUnsignedLong(m.group(1), 16));
        assertEquals(5, addresses.size(), s.transcript());
        assertTrue(s.after("step").startsWith(String.format(Locale.ROOT, "Stepped 1 instruction(s) on cpu 0\n=> 0x%x ",
                addresses.get(1))), s.transcript());
        assertTrue(s.after("step 3").startsWith(String.format(Locale.ROOT, "Stepped 3 instruction(s) on cpu 0\n=> 0x%x ",
                addresses.get(4))), s.transcript());
        assertTrue(s.after("step 0").startsWith("step: the count must be positive (got 0)\n"), s.transcript());
    }

    @Test
    void nextRunsACallToItsReturn() {
        DebugSession listing = DebugSession.run("pte-walk", "break main", "continue", "x/12i $rip");
        List<String> lines = listing.after("x/12i $rip").lines().toList();
        int call = 0;
        while (call < lines.size() && !lines.get(call).contains(" call ")) call++;
        assertTrue(call + 1 < lines.size(), "main calls mmap within its first instructions:\n" + listing.transcript());
        String callAt = lines.get(call).trim().replaceFirst("^=> ", "").split("\\s+")[0];
        String after = lines.get(call + 1).trim().split("\\s+")[0];
        DebugSession s = DebugSession.run("pte-walk", "break *" + callAt, "continue", "next", "info breakpoints");
        assertTrue(s.after("next").startsWith("Temporary breakpoint 2, " + after + "\n=> " + after + " <main+"),
                "stopped after the call returned:\n" + s.transcript());
        assertFalse(s.after("info breakpoints").contains("2    breakpoint"), "the temporary breakpoint went once hit");
    }

    @Test
    void syscallCatchpointShowsTheArgumentsAndResultAndKmemListsEveryObject() {
        DebugSession s = DebugSession.run("pte-walk", "break syscall munmapp", "break syscall munmap", "continue",
                "kmem -S vm_area_struct", "kmem -S no-such-cache", "continue");
        assertTrue(s.after("break syscall munmapp").contains("Linux has no syscall named munmapp"), s.transcript());
        assertTrue(s.after("continue", 0).matches("(?s)Catchpoint 1 \\(syscall munmap\\(0x[0-9a-f]+, 0x2000, .*\\) on cpu 0 "
                + "returned 0 \\(0x0\\)\\)\n.*"), s.transcript());
        String kmem = s.after("kmem -S vm_area_struct");
        String[] lines = kmem.split("\n");
        assertTrue(lines[0].startsWith("CACHE            OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME"), kmem);
        String[] f = lines[1].trim().split("\\s+");
        int allocated = Integer.parseInt(f[2]);
        int total = Integer.parseInt(f[3]);
        long bracketed = kmem.lines().filter(l -> l.matches("  \\[[0-9a-f]+\\]")).count();
        long free = kmem.lines().filter(l -> l.matches("   [0-9a-f]+")).count();
        assertTrue(allocated > 0, "the program's VMAs are allocated vm_area_structs:\n" + kmem);
        assertEquals(allocated, bracketed, kmem);
        assertEquals(total - allocated, free, kmem);
        assertTrue(s.after("kmem -S no-such-cache").startsWith("kmem: no cache no-such-cache; caches: vm_area_struct, "),
                s.transcript());
        assertEquals(0, s.status(), s.transcript());
    }

    @Test
    void exitStatusIsTheProgramsWhenItRanToItsEnd() {
        DebugSession s = DebugSession.run("hello", "continue", "regs", "tasks");
        assertEquals(7, s.status(), s.transcript());
        assertTrue(s.after("continue").contains("[program exited with status 7]"), s.transcript());
        assertEquals("The program is not being run (it has ended).\n", DebugSession.run("hello", "continue", "step")
                .after("step"));
    }

    /** The four level lines of a {@code pte} output. */
    private static List<String> levelLines(String pte) {
        return pte.lines().filter(l -> l.matches("  (PML4|PDPT|PD  |PT  ) \\(.*")).toList();
    }

    /** The TLB dump's line for virtual page {@code vpage}, or null. */
    private static String tlbLine(String tlb, String vpage) {
        return tlb.lines().filter(l -> l.contains(" " + vpage + " ")).findFirst().orElse(null);
    }
}

package io.mmemu.emulator.debug;

/** The text of {@code help}: every command, one line each (docs/debugger.md has examples). */
final class Help {
    private Help() {}

    static final String TEXT = """
            Run control (the machine is paused between commands):
              step [N]               run exactly N instructions (default 1) on this CPU   (alias: stepi, si, s)
              next                   like step, but runs a call to its return             (alias: ni, n)
              continue               run until a breakpoint, watchpoint or catchpoint     (alias: c)
              until ADDR             run until ADDR is reached (a temporary breakpoint)
              break ADDR|SYMBOL      stop before the instruction at ADDR (e.g. break main, break *0x401000)
              break fault [LO-HI] [KIND]   stop after a page fault in [LO,HI) of KIND: read write fetch user
                                     not-present protection zero-page anon cow-copy cow-reuse file huge sigsegv sigbus oom
              break syscall NAME     stop when syscall NAME returns (its arguments and result are shown)
              break flush            stop after a TLB flush (INVLPG, a range, a full flush) or a shootdown
              break slab CACHE       stop after an allocation or free in slab cache CACHE
              watch ADDR [r|w|rw]    stop after a read and/or write (default w) of the 8 bytes at ADDR
              delete N               delete breakpoint N
              info breakpoints       list them
              quit                   kill the program and leave
            Inspection (reads only: nothing is flushed, no Accessed bit is set):
              regs                   registers, RFLAGS' flags, CR3 (page-table base, PCID), CR2 (last fault)
              x/NFU ADDR             N units of U (b=1 h=2 w=4 g=8 bytes) in format F (x d u c s i), as gdb
              disas [ADDR] [N]       N instructions (default 8) from ADDR (default RIP), by Capstone
              vtop ADDR              crash's vtop: each level's entry, the page, its VMA and struct page
              pte ADDR               the page-table entry at every level, its flags in words
              pmap | maps            the address space, as pmap -x and /proc/PID/maps
              tlb [CPU]              a CPU's TLB entries and Linux's per-CPU TLB state
              slabinfo | kmem -S CACHE   the slab caches; one cache's slabs and objects, as crash's kmem -S
              vmstat | buddyinfo     /proc/vmstat's counters; the free lists of the buddy allocator
              tasks                  the live tasks: pid, CPU, CR3, name
            ADDR is a number (0x for hex), a SYMBOL, SYMBOL+OFFSET, or $reg ($rip, $rsp, $cr2, ...).
            """;
}

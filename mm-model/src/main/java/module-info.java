/**
 * The Java model of Linux x86-64 memory management: physical memory, the page allocator, page
 * tables and the page walker, VMAs and page faults, the kernel's slab caches.
 *
 * <p>What an address-space user (the kernel model, the TLB model, property tests) drives is
 * exported to everyone. The task, user-access and /proc packages serve only the kernel model,
 * so they are exported to the kernel model and the emulator alone (user access also to the
 * testkit, whose madvise() faults pages in as the kernel does).
 */
@SuppressWarnings("module") // the qualified exports name a module built after this one
module io.mmemu.mm {
    requires transitive io.mmemu.fault; // MmEnv hands out the machine's FaultInjector; Task is a FaultTask
    requires transitive io.mmemu.slub; // KernelSlab hands out KmemCache

    exports io.mmemu.mm.check;
    exports io.mmemu.mm.fault;
    exports io.mmemu.mm.huge;
    exports io.mmemu.mm.page;
    exports io.mmemu.mm.pgtable;
    exports io.mmemu.mm.phys;
    exports io.mmemu.mm.slab;
    exports io.mmemu.mm.vma;
    exports io.mmemu.mm.proc to io.mmemu.kernel, io.mmemu.emulator;
    exports io.mmemu.mm.task to io.mmemu.kernel, io.mmemu.emulator;
    exports io.mmemu.mm.uaccess to io.mmemu.kernel, io.mmemu.emulator, io.mmemu.testkit;
}

package io.mmemu.trace;

/**
 * Where a {@link Tracer} sends the events that pass its filter, in the order they happen, from the
 * one thread that drives the machine. Each method gets the event's time ({@code ts}: instructions
 * executed on all CPUs so far) and the CPU it happened on; the address space, process and thread
 * running there are the tracer's ({@link Tracer#cr3}, {@link Tracer#pid}, {@link Tracer#tid}).
 * Strings passed are constants or names the model keeps; nothing passed may be kept beyond the
 * call except those. Implementations must not throw: some calls come from inside an engine's hook.
 * Every method does nothing by default, so a sink implements only what it shows.
 */
public interface TraceSink {
    /**
     * Called once before the first event.
     *
     * @param tracer the tracer, for the running context
     */
    default void start(Tracer tracer) {}

    /** Called once after the last event: write out what is buffered. */
    default void finish() {}

    /**
     * A page fault and how it ended (do_user_addr_fault()).
     *
     * @param ts        the time
     * @param cpu       the CPU
     * @param address   the faulting address (CR2)
     * @param errorCode the x86 #PF error code
     * @param vmaStart  the start of the VMA the address fell in, or -1 for none
     * @param outcome   what handled it
     * @param stackGrew whether the stack VMA grew down to reach the address
     */
    default void fault(long ts, int cpu, long address, int errorCode, long vmaStart, FaultOutcome outcome,
            boolean stackGrew) {}

    /**
     * A model TLB lookup that found no usable entry: the CPU walks the page tables.
     *
     * @param ts         the time
     * @param cpu        the CPU
     * @param pcid       the PCID looked up
     * @param address    the virtual address
     * @param permission whether an entry existed but its cached rights refused the access
     */
    default void tlbMiss(long ts, int cpu, int pcid, long address, boolean permission) {}

    /**
     * An entry inserted into a CPU's TLB after a walk.
     *
     * @param ts       the time
     * @param cpu      the CPU
     * @param pcid     the PCID the entry is tagged with
     * @param address  the virtual address of the page
     * @param level    the page-table level of the walk's leaf (1 = PTE, 2 = PMD, 3 = PUD)
     * @param pageSize the size of the page the entry maps, in bytes
     */
    default void tlbFill(long ts, int cpu, int pcid, long address, int level, long pageSize) {}

    /**
     * A local TLB flush.
     *
     * @param ts     the time
     * @param cpu    the CPU
     * @param kind   one page, a range or the whole context
     * @param reason why: the syscall that changed the mapping (munmap, mprotect, ...), "COW" in a
     *               fault, {@link Tracer#REASON_SWITCH} for a switch_mm that needed a flush,
     *               {@link Tracer#REASON_SHOOTDOWN} for a flush another CPU asked for
     * @param start  the first address flushed (0 for a full flush)
     * @param end    the end of the range flushed (0 for a full flush)
     * @param pages  the INVLPGs a range flush took (0 for a full flush)
     */
    default void tlbFlush(long ts, int cpu, FlushKind kind, String reason, long start, long end, long pages) {}

    /**
     * A TLB shootdown: native_flush_tlb_multi() starts on {@code cpu}.
     *
     * @param ts          the time
     * @param cpu         the initiating CPU
     * @param start       the range's start, or 0 with {@code end} -1 for a full flush
     * @param end         the range's end
     * @param freedTables whether page tables were freed (lazy CPUs are flushed too)
     * @param reason      the syscall or path that asked for it
     */
    default void shootdownBegin(long ts, int cpu, long start, long end, boolean freedTables, String reason) {}

    /**
     * A flush IPI queued for {@code target} by the shootdown in progress on {@code cpu}.
     *
     * @param ts     the time
     * @param cpu    the initiating CPU
     * @param target the CPU the IPI goes to
     * @param flowId the IPI's id, which its {@link #ipiReceived} carries too
     */
    default void ipiSent(long ts, int cpu, int target, long flowId) {}

    /**
     * The shootdown that started on {@code cpu} returned.
     *
     * @param ts the time
     * @param cpu the initiating CPU
     */
    default void shootdownEnd(long ts, int cpu) {}

    /**
     * A flush IPI handled on {@code cpu} (flush_tlb_func() for another CPU's request).
     *
     * @param ts     the time
     * @param cpu    the receiving CPU
     * @param sender the CPU that sent it
     * @param flowId the id {@link #ipiSent} gave it
     */
    default void ipiReceived(long ts, int cpu, int sender, long flowId) {}

    /**
     * switch_mm_irqs_off() wrote CR3.
     *
     * @param ts      the time
     * @param cpu     the CPU
     * @param prevCr3 CR3 before (PCID in bits 0-11)
     * @param nextCr3 CR3 after
     * @param flushed whether the new ASID's entries were flushed (no CR3_NOFLUSH)
     */
    default void switchMm(long ts, int cpu, long prevCr3, long nextCr3, boolean flushed) {}

    /**
     * A CPU entered lazy TLB mode (a kernel thread runs on the user mm) or left it.
     *
     * @param ts    the time
     * @param cpu   the CPU
     * @param enter true on entering
     */
    default void lazyTlb(long ts, int cpu, boolean enter) {}

    /**
     * choose_new_asid() gave an address space an ASID slot on {@code cpu}.
     *
     * @param ts     the time
     * @param cpu    the CPU
     * @param asid   the slot
     * @param ctxId  the address space's ctx_id
     * @param reused whether the slot was taken from another address space
     */
    default void asid(long ts, int cpu, int asid, long ctxId, boolean reused) {}

    /**
     * A syscall entered.
     *
     * @param ts   the time
     * @param cpu  the CPU
     * @param nr   its number
     * @param name its name, or null for a number Linux does not have
     * @param a0   the first argument (RDI)
     * @param a1   RSI
     * @param a2   RDX
     * @param a3   R10
     * @param a4   R8
     * @param a5   R9
     */
    default void syscallEnter(long ts, int cpu, int nr, String name, long a0, long a1, long a2, long a3, long a4,
            long a5) {}

    /**
     * A syscall returned (not for one that blocked and will be re-executed, nor exit).
     *
     * @param ts     the time
     * @param cpu    the CPU
     * @param nr     its number
     * @param result the value returned (a negative errno on failure)
     */
    default void syscallExit(long ts, int cpu, int nr, long result) {}

    /**
     * A SLUB allocation or free.
     *
     * @param ts       the time
     * @param cpu      the CPU
     * @param cache    the cache's name
     * @param object   the object's address (0 for a failed allocation)
     * @param alloc    true for an allocation
     * @param fastPath whether the per-CPU freelist served it
     * @param retries  cmpxchg-double failures before it succeeded
     */
    default void slab(long ts, int cpu, String cache, long object, boolean alloc, boolean fastPath, int retries) {}

    /**
     * A page allocator allocation or free.
     *
     * @param ts          the time
     * @param cpu         the CPU
     * @param pfn         the first frame
     * @param order       the block's order
     * @param migratetype the allocation's migrate type (0 unmovable, 1 movable), -1 for a free
     * @param alloc       true for an allocation
     */
    default void page(long ts, int cpu, long pfn, int order, int migratetype, boolean alloc) {}

    /**
     * A context switch on {@code cpu}.
     *
     * @param ts      the time
     * @param cpu     the CPU
     * @param prevTid the thread switched away from (0 for idle)
     * @param nextTid the thread switched to (0 for idle)
     */
    default void schedSwitch(long ts, int cpu, int prevTid, int nextTid) {}

    /**
     * A thread moved to another CPU.
     *
     * @param ts   the time
     * @param tid  the thread
     * @param from the CPU it ran on
     * @param to   the CPU it runs on next
     */
    default void migrate(long ts, int tid, int from, int to) {}

    /**
     * A signal delivered to a thread (its handler set up, or its default action taken).
     *
     * @param ts      the time
     * @param cpu     the CPU
     * @param tid     the thread
     * @param signo   the signal
     * @param code    its si_code
     * @param address its si_addr for a fault, else 0
     */
    default void signal(long ts, int cpu, int tid, int signo, int code, long address) {}
}

package io.mmemu.mm.fault;

/**
 * What a user page fault came to: handled (the access can be retried), or the signal the task
 * gets. Handled is a singleton, so the common path allocates nothing. Signal numbers are
 * {@link Signo}'s, si_codes {@link SiCode}'s.
 */
public sealed interface FaultResult {
    /** The one {@link Handled} value. */
    Handled HANDLED = new Handled();

    /** The fault was resolved; restart the instruction. */
    record Handled() implements FaultResult {}

    /**
     * The task gets signal {@code signo} with {@code code} and si_addr {@code addr}; {@code
     * errorCode} is the x86 error code, {@code pkey} the protection key for SEGV_PKUERR.
     *
     * @param signo     the signal number (SIGSEGV, SIGBUS, ...)
     * @param code      the si_code
     * @param addr      the si_addr: the faulting address
     * @param errorCode the x86 #PF error code ({@link io.mmemu.mm.pgtable.PfErr}), or 0
     * @param pkey      the protection key, for SEGV_PKUERR
     * @param why       what went wrong, for people
     */
    record Signal(int signo, int code, long addr, int errorCode, int pkey, String why) implements FaultResult {}

    /**
     * No memory to resolve the fault: the OOM path decides (pagefault_out_of_memory()).
     *
     * @param addr the faulting address
     */
    record OutOfMemory(long addr) implements FaultResult {}

    /**
     * A missing or write-protect fault of a VMA registered with a userfaultfd (handle_userfault()): the task waits
     * until the context wakes the address, then re-executes the access. Built only for registered
     * memory, so the common path still allocates nothing.
     *
     * @param ctx       the userfaultfd the VMA is registered with
     * @param address   the faulting address
     * @param errorCode the x86 #PF error code ({@link io.mmemu.mm.pgtable.PfErr})
     * @param wp        a write to a write-protected entry (VM_UFFD_WP), not a missing page
     */
    record Userfault(io.mmemu.mm.vma.UserfaultfdCtx ctx, long address, int errorCode, boolean wp) implements FaultResult {
        /** {@return whether the access was a write (UFFD_PAGEFAULT_FLAG_WRITE)} */
        public boolean write() {
            return (errorCode & io.mmemu.mm.pgtable.PfErr.WRITE) != 0;
        }
    }
}

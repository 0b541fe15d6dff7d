package io.mmemu.trace;

/** How a page fault ended: the path handle_mm_fault() took, or the signal instead. */
public enum FaultOutcome {
    /** The entry was already fixed (another path, or only the Accessed/Dirty bits were missing). */
    SPURIOUS("spurious", true),
    /** A read of anonymous memory mapped the shared zero page (do_anonymous_page()). */
    ZERO_PAGE("zero page", true),
    /** A write to anonymous memory got a fresh zeroed page (do_anonymous_page()). */
    ANON_NEW("new anon page", true),
    /** A write to a shared or zero page copied it (wp_page_copy(), do_cow_fault()). */
    COW_COPY("COW copy", true),
    /** A write to a write-protected anonymous page nobody else holds reused it (wp_page_reuse()). */
    COW_REUSE("COW reuse", true),
    /** A file page mapped from the page cache (do_read_fault(), do_shared_fault()). */
    FILE_PAGE("file page", true),
    /** A 2 MiB huge page or the huge zero page mapped by a PMD (do_huge_pmd_anonymous_page()). */
    HUGE_PAGE("huge page", true),
    /** No memory: the OOM path. */
    OOM("out of memory", true),
    /** SIGBUS: beyond the end of a mapped file. */
    SIGBUS("SIGBUS", true),
    /** handle_userfault(): a registered VMA's missing page; the task waits for its userfaultfd. */
    USERFAULT("userfault", true),
    /** SIGSEGV (or SIGKILL for corrupt tables) before handle_mm_fault(): no VMA, access error, pkey. */
    SIGNAL("SIGSEGV", false);

    private final String label;
    private final boolean handled;

    FaultOutcome(String label, boolean handled) {
        this.label = label;
        this.handled = handled;
    }

    /** {@return the outcome in words} */
    public String label() {
        return label;
    }

    /** {@return whether handle_mm_fault() ran (the fault counts in /proc/vmstat's pgfault)} */
    public boolean reachedHandleMmFault() {
        return handled;
    }
}

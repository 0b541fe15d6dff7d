package io.mmemu.mm.huge;

/**
 * /sys/kernel/mm/transparent_hugepage/hugepages-NkB/enabled: whether anonymous faults may allocate
 * folios of that size (Linux 6.8+, multi-size THP): always, only in VM_HUGEPAGE VMAs (madvise),
 * as the global {@link ThpPolicy} says (inherit), or never.
 */
public enum MthpPolicy {
    /** Every eligible VMA but those marked VM_NOHUGEPAGE (huge_anon_orders_always). */
    ALWAYS,
    /** Follow /sys/kernel/mm/transparent_hugepage/enabled (huge_anon_orders_inherit). */
    INHERIT,
    /** Only VMAs marked VM_HUGEPAGE (huge_anon_orders_madvise). */
    MADVISE,
    /** Not at fault time. */
    NEVER;

    /** {@return the name as the sysfs file spells it} */
    public String sysfsName() {
        return SysfsChoices.word(this);
    }

    /**
     * Models thpsize_enabled_show(), mm/huge_memory.c: every choice, the current one in brackets.
     *
     * @return e.g. {@code "always inherit madvise [never]\n"}
     */
    public String enabledShow() {
        return SysfsChoices.show(this);
    }
}

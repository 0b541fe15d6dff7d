package io.mmemu.mm.huge;

/**
 * /sys/kernel/mm/transparent_hugepage/enabled: when an anonymous fault may take a huge page
 * (TRANSPARENT_HUGEPAGE_FLAG and TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG of mm/huge_memory.c).
 */
public enum ThpPolicy {
    /** Every eligible VMA but those marked VM_NOHUGEPAGE. */
    ALWAYS,
    /** Only VMAs marked VM_HUGEPAGE by madvise(MADV_HUGEPAGE); the default of mmemu and of most distributions. */
    MADVISE,
    /** No transparent huge pages at fault time. */
    NEVER;

    /** {@return the name as the sysfs file and {@code --thp} spell it: always, madvise, never} */
    public String sysfsName() {
        return SysfsChoices.word(this);
    }

    /**
     * Models enabled_show(), mm/huge_memory.c: every choice, the current one in brackets.
     *
     * @return e.g. {@code "always [madvise] never\n"}
     */
    public String enabledShow() {
        return SysfsChoices.show(this);
    }

    /**
     * Parses a policy as {@code --thp} and enabled_store() take it.
     *
     * @param name always, madvise or never
     * @return the policy
     * @throws IllegalArgumentException naming what was expected
     */
    public static ThpPolicy parse(String name) {
        ThpPolicy p = SysfsChoices.parse(ThpPolicy.class, name);
        if (p != null) return p;
        throw new IllegalArgumentException("THP policy must be always, madvise or never (got " + name + ")");
    }
}

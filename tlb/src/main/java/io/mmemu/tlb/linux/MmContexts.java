package io.mmemu.tlb.linux;

import io.mmemu.mm.vma.MmStruct;
import java.util.IdentityHashMap;

/**
 * The {@link TlbMm} of each {@link MmStruct}, so that the memory model needs no TLB fields: the
 * context is created at the first use (init_new_context() runs at mm creation in Linux; here at
 * the first switch or flush, which no earlier use could observe) and forgotten at
 * {@link #destroyContext}. The map is only looked up, never iterated, so identity hashing cannot
 * change a result.
 */
public final class MmContexts {
    private final TlbManagement tlb;
    private final IdentityHashMap<MmStruct, TlbMm> byMm = new IdentityHashMap<>();

    /**
     * An empty table over {@code tlb}, which creates and destroys the contexts.
     *
     * @param tlb the TLB management
     */
    public MmContexts(TlbManagement tlb) {
        this.tlb = tlb;
    }

    /**
     * The context of {@code mm}, created with its PML4 address on first use.
     *
     * @param mm an address space
     * @return its context
     */
    public TlbMm contextOf(MmStruct mm) {
        TlbMm c = byMm.get(mm);
        if (c == null) {
            c = tlb.initNewContext(mm.pgd().cr3(), null);
            byMm.put(mm, c);
        }
        return c;
    }

    /**
     * The context of {@code mm} if it has one, else null.
     *
     * @param mm an address space
     * @return its context, or null
     */
    public TlbMm existing(MmStruct mm) {
        return byMm.get(mm);
    }

    /**
     * Models destroy_context() for {@code mm}, after exit_mmap(); nothing if it never had a context.
     *
     * @param mm the address space, torn down
     */
    public void destroyContext(MmStruct mm) {
        TlbMm c = byMm.remove(mm);
        if (c != null) tlb.destroyContext(c);
    }
}

package io.mmemu.mm.pgtable;

import io.mmemu.mm.phys.PhysicalMemory;

/**
 * The hardware page walker: translates a virtual address through the 4-level tables in guest
 * physical memory as an x86-64 CPU does (SDM vol. 3A, 4.5-4.7).
 *
 * <ol>
 *   <li>From CR3, for each level read the entry the address indexes. A clear P bit faults
 *       (error code without PROT). Reserved bits (physical-address bits above MAXPHYADDR, NX
 *       without EFER.NXE, PS in a PML4 entry, misaligned large-page addresses) fault with RSVD.</li>
 *   <li>Rights accumulate: RW and US must be set at every level, NX at any level forbids fetches.</li>
 *   <li>A leaf (PT entry, or PS at PD/PDPT) ends the walk. Then the access is checked: user
 *       accesses need US; writes need RW (supervisor writes only under CR0.WP); fetches need no NX;
 *       for user pages with CR4.PKE, PKRU's AD bit of the leaf's key denies data accesses and WD
 *       denies writes (error code PK).</li>
 *   <li>On success the A bit is set in every entry used and D in the leaf on a write.</li>
 * </ol>
 * The result is a packed {@link WalkResult}; nothing is allocated. A table address beyond guest
 * RAM reads as all ones, as an absent bus does, and so faults with RSVD instead of crashing.
 * The walker keeps the tables its last successful walk went through ({@link #walked},
 * {@link #walkedTable}): what the CPU's paging-structure caches take from that walk, without
 * reading the entries again. So a walker serves one CPU, on one thread.
 */
public final class PageWalker {
    private final PhysicalMemory mem;
    private final long ramSize;
    /*
     * The last successful walk, for the paging-structure caches a TLB fill after it caches
     * (walked): its root, the 4 KiB page of its address, and the tables its upper-level entries
     * referenced, PDPT, PD, PT in turn, as many as it read above the leaf.
     */
    private long walkedRoot = -1;
    private long walkedPage = -1;
    private long walkedPdpt, walkedPd, walkedPt;
    private int walkedTables;

    /**
     * A walker reading the paging structures from {@code mem}.
     *
     * @param mem the physical memory holding the page tables
     */
    public PageWalker(PhysicalMemory mem) {
        this.mem = mem;
        this.ramSize = mem.size();
    }

    private long readEntry(long pa) {
        return pa + 8 <= ramSize ? mem.getLong(pa) : -1L;
    }

    /**
     * Walks {@code vaddr} for {@code access} ({@link Access}) from user mode ({@code user}) or
     * kernel mode, starting at the PML4 whose physical address is {@code cr3} (low 12 bits ignored).
     *
     * @param cr3    the PML4's physical address, as CR3 holds it
     * @param vaddr  the virtual address
     * @param access the access type ({@link Access})
     * @param user   whether the access is from user mode
     * @param ctl    the control-register state the walk obeys
     * @return the outcome, a {@link WalkResult}
     */
    public long walk(long cr3, long vaddr, int access, boolean user, PagingControl ctl) {
        long reservedMask = ~((1L << ctl.maxPhysAddrBits) - 1) & 0x000F_FFFF_FFFF_FFFFL;
        if (!ctl.nxe) reservedMask |= Pte.NX;
        // I/D is reported only when fetches can be told apart: EFER.NXE (or CR4.SMEP, not modelled), SDM 4.7.
        int accessBits = (access == Access.WRITE ? PfErr.WRITE : 0) | (user ? PfErr.USER : 0)
                | (access == Access.FETCH && ctl.nxe ? PfErr.INSTR : 0);

        long tablePa = cr3 & Pte.ADDR_MASK;
        boolean rw = true, us = true, nx = false;
        // Entry addresses of the levels used, to set A bits once the access is known to succeed.
        long e0 = -1, e1 = -1, e2 = -1;
        // The tables those entries reference, kept for walkedTable() once the walk succeeds.
        long t0 = 0, t1 = 0, t2 = 0;
        Level level = Level.PML4;
        long entryPa;
        long entry;
        while (true) {
            entryPa = tablePa + 8L * level.index(vaddr);
            entry = readEntry(entryPa);
            if ((entry & Pte.P) == 0) return WalkResult.fault(accessBits);
            boolean leaf = level == Level.PT || (level.canMapPage && (entry & Pte.PS) != 0);
            long rsvd = reservedMask;
            if (level == Level.PML4) rsvd |= Pte.PS;
            if (leaf && level != Level.PT) rsvd |= (level.entrySpan() - 1) & ~0x1FFFL; // address bits below the page size, bit 12 is PAT
            if ((entry & rsvd) != 0) return WalkResult.fault(accessBits | PfErr.PROT | PfErr.RSVD);
            rw &= (entry & Pte.RW) != 0;
            us &= (entry & Pte.US) != 0;
            nx |= ctl.nxe && (entry & Pte.NX) != 0;
            if (leaf) break;
            tablePa = entry & Pte.ADDR_MASK;
            switch (level) {
                case PML4 -> { e0 = entryPa; t0 = tablePa; }
                case PDPT -> { e1 = entryPa; t1 = tablePa; }
                default -> { e2 = entryPa; t2 = tablePa; }
            }
            level = level.next();
        }

        // Permission checks on the accumulated rights.
        int prot = 0;
        if (user && !us) return WalkResult.fault(accessBits | PfErr.PROT);
        boolean writeAllowed = rw || (!user && !ctl.wp);
        boolean pkDeniesData = false, pkDeniesWrite = false;
        int key = 0;
        if (ctl.pke && us) {
            key = Pte.pkey(entry);
            pkDeniesData = (ctl.pkru >>> (2 * key) & 1) != 0;
            pkDeniesWrite = (ctl.pkru >>> (2 * key + 1) & 1) != 0 && (user || ctl.wp);
        }
        switch (access) {
            case Access.WRITE -> {
                if (!writeAllowed) return WalkResult.fault(accessBits | PfErr.PROT);
                if (pkDeniesData || pkDeniesWrite) return WalkResult.fault(accessBits | PfErr.PROT | PfErr.PK);
            }
            case Access.FETCH -> {
                if (nx) return WalkResult.fault(accessBits | PfErr.PROT);
            }
            default -> {
                if (pkDeniesData) return WalkResult.fault(accessBits | PfErr.PROT | PfErr.PK);
            }
        }

        // Success: set A on every entry used, D on the leaf for a write.
        setAccessed(e0);
        setAccessed(e1);
        setAccessed(e2);
        long newLeaf = entry | Pte.A | (access == Access.WRITE ? Pte.D : 0);
        if (newLeaf != entry) mem.putLong(entryPa, newLeaf);

        if (!pkDeniesData) prot |= WalkResult.PROT_READ;
        if (writeAllowed && !pkDeniesData && !pkDeniesWrite && (newLeaf & Pte.D) != 0) prot |= WalkResult.PROT_WRITE;
        if (!nx) prot |= WalkResult.PROT_EXEC;
        long pageOffset = vaddr & (level.entrySpan() - 1) & ~0xFFFL;
        long pagePa = (entry & Pte.ADDR_MASK & ~(level.entrySpan() - 1)) + pageOffset;
        int sizeCode = level == Level.PT ? 0 : level == Level.PD ? 1 : 2;
        walkedRoot = cr3 & Pte.ADDR_MASK;
        walkedPage = vaddr & ~0xFFFL;
        walkedPdpt = t0;
        walkedPd = t1;
        walkedPt = t2;
        walkedTables = 3 - sizeCode;
        return WalkResult.ok(pagePa, prot, sizeCode, (entry & Pte.G) != 0, key);
    }

    /**
     * Whether the last successful walk was of {@code vaddr}'s 4 KiB page from the PML4 at
     * {@code root}: then {@link #walkedTable} gives the tables it went through, as it read them.
     *
     * @param root  the PML4's physical address (CR3 without its low 12 bits)
     * @param vaddr the virtual address
     * @return whether the last successful walk was that one
     */
    public boolean walked(long root, long vaddr) {
        return walkedPage == (vaddr & ~0xFFFL) && walkedRoot == root;
    }

    /**
     * The table the upper-level entry of {@code level} referenced in the last successful walk (what
     * a paging-structure cache of that level keeps), or -1 when that walk's leaf was at or above it.
     *
     * @param level 0 the PML4 entry (its PDPT), 1 the PDPT entry (its PD), 2 the PD entry (its PT)
     * @return the table's physical address, or -1
     */
    public long walkedTable(int level) {
        if (level >= walkedTables) return -1;
        return level == 0 ? walkedPdpt : level == 1 ? walkedPd : walkedPt;
    }

    /**
     * The protection-key check of an access that hit the TLB (SDM 4.6.2): the hardware checks PKRU
     * at every data access, against the key the TLB entry keeps ({@link WalkResult#pkey}), so a
     * WRPKRU needs no flush. A user access PKRU denies is a page fault with PK; an allowed one gets
     * the entry's rights less what PKRU denies (what a front end may cache until PKRU changes).
     *
     * @param r      the TLB's translation (a successful {@link WalkResult})
     * @param access the access type ({@link Access})
     * @param ctl    the control-register state, PKRU included
     * @return {@code r} with PKRU's restrictions, or the fault
     */
    public static long checkPkru(long r, int access, PagingControl ctl) {
        if (!ctl.pke) return r;
        int bits = ctl.pkru >>> 2 * WalkResult.pkey(r) & 3;
        if (bits == 0) return r;
        boolean ad = (bits & 1) != 0;
        if (access == Access.WRITE || access == Access.READ && ad) {
            return WalkResult.fault(PfErr.USER | PfErr.PROT | PfErr.PK | (access == Access.WRITE ? PfErr.WRITE : 0));
        }
        int prot = WalkResult.prot(r) & ~WalkResult.PROT_WRITE;
        if (ad) prot &= ~WalkResult.PROT_READ;
        return WalkResult.withProt(r, prot);
    }

    private void setAccessed(long entryPa) {
        if (entryPa < 0) return;
        long e = mem.getLong(entryPa);
        if ((e & Pte.A) == 0) mem.putLong(entryPa, e | Pte.A);
    }
}

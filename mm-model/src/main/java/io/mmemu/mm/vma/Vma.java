package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.pgtable.Pte;

/**
 * A vm_area_struct: one contiguous range [start, end) of an address space with one set of
 * flags, backed either by a file ({@link #file} at page offset {@link #pgoff}) or anonymous
 * memory. Mutable only through {@link MmStruct}, which keeps the ranges sorted and disjoint.
 */
public final class Vma {
    long start;
    long end;
    int flags;
    /** File page offset of {@link #start} (vm_pgoff); for anonymous memory start >> PAGE_SHIFT, as Linux. */
    long pgoff;
    final MappedFile file;
    /** A name /proc/PID/maps shows for special anonymous areas: [heap], [stack]; or null. */
    String name;
    /**
     * Physical address of this VMA's vm_area_struct object in vm_area_cachep (emulated memory);
     * 0 while the VMA is only a candidate for a merge, and after vm_area_free().
     */
    long object;
    /**
     * VM_SEALED (mm/mseal.c): the VMA may not be unmapped, moved, resized, re-protected or, when it
     * is read-only private anonymous memory, discarded. Linux keeps it in vm_flags bit 63, beyond
     * this model's 32-bit flags, so it is a field of its own; it counts as a flag for merging.
     */
    boolean sealed;
    /**
     * VM_DROPPABLE (MAP_DROPPABLE, Linux 6.11+): anonymous memory the kernel may drop under memory
     * pressure instead of swapping it. The model never drops it (a host without memory pressure);
     * it is never locked, never accounted, and empty in a fork child. Bit 40 of vm_flags in Linux,
     * so a field of its own like {@link #sealed}; it counts as a flag for merging.
     */
    boolean droppable;
    /**
     * The protection key (vma_pkey(): VM_PKEY_BIT0..3, bits 32..35 of vm_flags in Linux, beyond this
     * model's 32-bit flags, so a field of its own like {@link #sealed}): every entry of the VMA
     * carries it in bits 59..62; 0 unless pkey_mprotect() or an execute-only mapping set another.
     * It counts as a flag for merging.
     */
    int pkey;
    /** anon_name (PR_SET_VMA_ANON_NAME): the name of anonymous memory, or null; merging compares it. */
    String anonName;
    /** vm_policy (mbind()): null for none, the task's policy then applying. Merging compares it (mpol_equal()). */
    MemPolicy policy;
    /**
     * vm_userfaultfd_ctx.ctx: the userfaultfd this VMA is registered with (then {@link
     * VmFlags#VM_UFFD_FLAGS} says for which faults), or null. Merging compares it (is_mergeable_vma()).
     */
    UserfaultfdCtx userfaultfdCtx;

    Vma(long start, long end, int flags, long pgoff, MappedFile file, String name) {
        this.start = start;
        this.end = end;
        this.flags = flags;
        this.pgoff = pgoff;
        this.file = file;
        this.name = name;
    }

    /** {@return whether the VMA is sealed (VM_SEALED)} */
    public boolean sealed() {
        return sealed;
    }

    /** {@return whether the VMA is droppable (VM_DROPPABLE)} */
    public boolean droppable() {
        return droppable;
    }

    /** {@return the anonymous VMA's name (anon_vma_name()), or null} */
    public String anonName() {
        return anonName;
    }

    /** {@return the protection key of the VMA's entries (vma_pkey())} */
    public int pkey() {
        return pkey;
    }

    /**
     * vm_area_dup()'s copy of what a VMA carries beyond its range, flags and file: seal, VM_DROPPABLE,
     * pkey, policy, name, userfaultfd context.
     */
    void copyAttributes(Vma from) {
        sealed = from.sealed;
        pkey = from.pkey;
        droppable = from.droppable;
        policy = from.policy;
        anonName = from.anonName;
        userfaultfdCtx = from.userfaultfdCtx;
    }

    /** {@return vm_userfaultfd_ctx.ctx: the userfaultfd the VMA is registered with, or null} */
    public UserfaultfdCtx userfaultfdCtx() {
        return userfaultfdCtx;
    }

    /** Models userfaultfd_reset_ctx(): the VMA is registered with no userfaultfd any more. */
    void userfaultfdResetCtx() {
        userfaultfdCtx = null;
        flags &= ~VmFlags.VM_UFFD_FLAGS;
    }

    /** {@return vm_policy, or null} */
    public MemPolicy policy() {
        return policy;
    }

    /** Models can_modify_vma(), mm/vma.h: a sealed VMA may not be changed. */
    boolean canModifyVma() {
        return !sealed;
    }

    /** {@return vm_start: the first address} */
    public long start() {
        return start;
    }

    /** {@return vm_end: the first address past the VMA} */
    public long end() {
        return end;
    }

    /** {@return vm_flags: VM_* bits ({@link VmFlags})} */
    public int flags() {
        return flags;
    }

    /** {@return vm_pgoff: the file offset of vm_start, in pages (for anonymous memory, vm_start in pages)} */
    public long pgoff() {
        return pgoff;
    }

    /** {@return vm_file: the mapped file, or null for anonymous memory} */
    public MappedFile file() {
        return file;
    }

    /** {@return the VMA's name (anon_vma_name, or "[stack]"), or null} */
    public String name() {
        return name;
    }

    /** {@return the physical address of this VMA's vm_area_struct object, or 0 when it has none} */
    public long object() {
        return object;
    }

    /** {@return whether no file is mapped (vma_is_anonymous())} */
    public boolean isAnonymous() {
        return file == null;
    }

    /**
     * Whether a VM_* flag is set.
     *
     * @param flag VM_* bits
     * @return whether any of them is set
     */
    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * Models vm_get_page_prot() for an entry the kernel makes in this VMA: P US, NX unless
     * VM_EXEC; RW only when asked. A VMA allowing no access (reached only by a FOLL_FORCE
     * access, /proc/PID/mem) gets PAGE_NONE: P clear, _PAGE_PROTNONE set, as mprotect(PROT_NONE)
     * leaves its entries. The VMA's protection key goes in bits 59..62 (arch_vm_get_page_prot()).
     * A huge PMD leaf adds PS.
     *
     * @param writable whether the entry is to be writable
     * @return the entry's protection bits
     */
    public long pageProt(boolean writable) {
        long prot = Pte.P | Pte.US;
        if ((flags & VmFlags.VM_EXEC) == 0) prot |= Pte.NX;
        if (writable) prot |= Pte.RW;
        prot |= (long) pkey << Pte.PKEY_SHIFT;
        if ((flags & VmFlags.VM_ACCESS_FLAGS) == 0) prot = (prot & ~(Pte.P | Pte.RW)) | Pte.PROTNONE;
        return prot;
    }

    /**
     * The file page index of {@code address} inside this VMA (linear_page_index()).
     *
     * @param address an address inside the VMA
     * @return its file page index
     */
    public long pageIndex(long address) {
        return ((address - start) >>> PAGE_SHIFT) + pgoff;
    }

    /**
     * One /proc/PID/maps line, as show_map_vma() prints it, labelled with this VMA's own name.
     *
     * @return the line
     */
    public String mapsLine() {
        return mapsLine(file != null ? file.displayPath() : name);
    }

    /**
     * One /proc/PID/maps line with {@code label} in the name column (or none when null).
     *
     * @param label the name column, or null
     * @return the line
     */
    public String mapsLine(String label) {
        StringBuilder sb = new StringBuilder(96);
        long dev = file != null ? file.dev() : 0;
        sb.append(String.format("%08x-%08x %c%c%c%c %08x %02x:%02x %d ", start, end,
                has(VmFlags.VM_READ) ? 'r' : '-', has(VmFlags.VM_WRITE) ? 'w' : '-', has(VmFlags.VM_EXEC) ? 'x' : '-',
                has(VmFlags.VM_MAYSHARE) ? 's' : 'p', file != null ? pgoff << PAGE_SHIFT : 0, devMajor(dev), devMinor(dev),
                file != null ? file.ino() : 0));
        if (label != null) {
            // seq_pad(): pad to 25 + 6 * sizeof(void *) - 1 columns, then one space.
            while (sb.length() < 72) sb.append(' ');
            sb.append(' ').append(label);
        }
        return sb.toString();
    }

    /** gnu_dev_major() of a user-space dev_t (st_dev as stat returns it). */
    static long devMajor(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    /** gnu_dev_minor(). */
    static long devMinor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    @Override
    public String toString() {
        return mapsLine();
    }
}

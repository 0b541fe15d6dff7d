package io.mmemu.mm.vma;

/** vm_area_struct.vm_flags bits, values as include/linux/mm.h. */
public final class VmFlags {
    private VmFlags() {}

    /** Access rights: VM_READ, VM_WRITE and VM_EXEC equal PROT_READ/WRITE/EXEC; VM_SHARED for MAP_SHARED. */
    public static final int VM_READ = 0x1, VM_WRITE = 0x2, VM_EXEC = 0x4, VM_SHARED = 0x8;
    /** The rights mprotect() may grant later (VM_MAY*), and VM_MAYSHARE for a shared mapping. */
    public static final int VM_MAYREAD = 0x10, VM_MAYWRITE = 0x20, VM_MAYEXEC = 0x40, VM_MAYSHARE = 0x80;
    /** A stack that grows down by faults below its start. */
    public static final int VM_GROWSDOWN = 0x100;
    /**
     * VM_UFFD_MISSING: registered with a userfaultfd for missing faults (UFFDIO_REGISTER_MODE_MISSING),
     * and VM_UFFD_WP for write-protect faults; __VM_UFFD_FLAGS both (without VM_UFFD_MINOR, which
     * needs hugetlbfs or shmem minor faults the model does not have).
     */
    public static final int VM_UFFD_MISSING = 0x200, VM_UFFD_WP = 0x1000, VM_UFFD_FLAGS = VM_UFFD_MISSING | VM_UFFD_WP;
    /** mlock()ed pages (mlock(), mlockall(), MAP_LOCKED): populated at once, counted in mm->locked_vm. */
    public static final int VM_LOCKED = 0x2000;
    /** With VM_LOCKED: lock pages as they are faulted in, populate nothing now (MLOCK_ONFAULT, MCL_ONFAULT). */
    public static final int VM_LOCKONFAULT = 0x0008_0000;
    /** VM_LOCKED_MASK: the bits mlock()'s family sets and clears together. */
    public static final int VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;
    /**
     * A special mapping of frames that are no normal pages (VM_PFNMAP) and of I/O memory (VM_IO), and
     * one that mremap() may not grow (VM_DONTEXPAND): the vDSO's [vvar] areas carry all three, [vdso]
     * VM_DONTEXPAND. get_user_pages() refuses VM_IO and VM_PFNMAP VMAs.
     */
    public static final int VM_PFNMAP = 0x400, VM_IO = 0x4000, VM_DONTEXPAND = 0x0004_0000;
    /** Memory charged against the overcommit limit. */
    public static final int VM_ACCOUNT = 0x0010_0000;
    /** MAP_NORESERVE: not charged against the overcommit limit. */
    public static final int VM_NORESERVE = 0x0020_0000;
    /** Access-pattern and huge-page hints (MADV_SEQUENTIAL, MADV_RANDOM, MADV_HUGEPAGE, MADV_NOHUGEPAGE), and MADV_DONTDUMP. */
    public static final int VM_SEQ_READ = 0x8000, VM_RAND_READ = 0x1_0000, VM_DONTDUMP = 0x0400_0000,
            VM_HUGEPAGE = 0x2000_0000, VM_NOHUGEPAGE = 0x4000_0000;
    /** VM_DONTCOPY: not inherited by fork (MADV_DONTFORK). */
    public static final int VM_DONTCOPY = 0x0002_0000;
    /** VM_WIPEONFORK: the child gets the VMA empty (MADV_WIPEONFORK). */
    public static final int VM_WIPEONFORK = 0x0200_0000;

    /** VM_ACCESS_FLAGS: any of read, write, exec. */
    public static final int VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

    /**
     * calc_vm_prot_bits(): PROT_READ/WRITE/EXEC (1/2/4) to VM_READ/WRITE/EXEC (same values).
     *
     * @param prot PROT_* bits
     * @return the VM_* bits
     */
    public static int calcVmProtBits(int prot) {
        return prot & (VM_READ | VM_WRITE | VM_EXEC);
    }
}

package io.mmemu.mm.vma;


/**
 * Models madvise_set_anon_name(), mm/madvise.c (6.12), behind prctl(PR_SET_VMA,
 * PR_SET_VMA_ANON_NAME) on a kernel built with CONFIG_ANON_VMA_NAME: names anonymous VMAs (and
 * shared anonymous memory), which /proc/PID/maps then shows as [anon:NAME] ([anon_shmem:NAME]);
 * VMAs split at the range's ends and merge only with equally named neighbours
 * ({@link MmStruct#label}, {@link VmaMerge#canMerge}).
 */
public final class AnonVmaName {
    private AnonVmaName() {}

    /** ANON_VMA_NAME_MAX_LEN: the name's bytes with its NUL. */
    public static final int ANON_VMA_NAME_MAX_LEN = 80;

    /**
     * Models is_valid_name_char(): printable ASCII but for the characters that would confuse a
     * reader of maps ({@code \`$[]}).
     *
     * @param c a byte of the name
     * @return whether it may appear in a name
     */
    public static boolean isValidNameChar(byte c) {
        return c > 0x1f && c < 0x7f && "\\`$[]".indexOf(c) < 0;
    }

    /**
     * Models madvise_set_anon_name() with madvise_walk_vmas() and madvise_vma_anon_name().
     *
     * @param mm    the address space
     * @param start the range's start, page aligned (else EINVAL)
     * @param lenIn its length, rounded up to pages
     * @param name  the name, or null to remove it
     * @return 0; EINVAL for an unaligned start or a wrapping length; EBADF at the first VMA that maps
     *         a file (the VMAs before it are named); ENOMEM when the range has holes (the VMAs in it
     *         are named); EAGAIN when a split finds no memory
     */
    public static long madviseSetAnonName(MmStruct mm, long start, long lenIn, String name) {
        if (MmStruct.invalidRange(start, lenIn)) return -Errno.EINVAL;
        long end = start + MmStruct.pageAlign(lenIn);
        if (end == start) return 0;
        long unmappedError = 0;
        Vma vma = Long.compareUnsigned(start, MmStruct.TASK_SIZE) >= 0 ? null : mm.findVma(start);
        while (true) {
            if (vma == null) return -Errno.ENOMEM;
            if (Long.compareUnsigned(start, vma.start) < 0) {
                unmappedError = -Errno.ENOMEM;
                start = vma.start;
                if (Long.compareUnsigned(start, end) >= 0) break;
            }
            long tmp = Long.compareUnsigned(end, vma.end) < 0 ? end : vma.end;
            // madvise_vma_anon_name(): only anonymous memory (private, or shared anonymous shmem) is named.
            if (vma.file != null && !vma.file.isAnonShmem()) return -Errno.EBADF;
            if (!java.util.Objects.equals(vma.anonName, name) && !mm.modifyVma(start, tmp, v -> v.anonName = name)) {
                return -Errno.EAGAIN; // madvise_update_vma()'s ENOMEM, reported as EAGAIN
            }
            start = tmp;
            if (Long.compareUnsigned(start, end) >= 0) break;
            vma = mm.findVma(start);
        }
        return unmappedError;
    }
}

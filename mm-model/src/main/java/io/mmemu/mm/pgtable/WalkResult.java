package io.mmemu.mm.pgtable;

/**
 * A page walk's outcome packed in one {@code long}, so the TLB-fill path allocates nothing.
 * <pre>
 *   success (bit 63 clear):
 *     bits 12..51  physical address of the 4 KiB page holding the virtual address
 *     bits  0..2   the translation's permissions: 1 read, 2 write, 4 execute (mmap's PROT_* values)
 *     bits  3..4   page size: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB
 *     bit   5      global
 *     bits  6..9   the leaf's protection key, for a user page under CR4.PKE (else 0): the TLB
 *                  keeps it, and PKRU is checked against it at every access
 *   fault (bit 63 set):
 *     bits  0..5   the x86 #PF error code ({@link PfErr})
 * </pre>
 * A write is only allowed in the result once the leaf's D bit is set, as a hardware TLB caches
 * the dirty state: a later first write walks again to set D.
 */
public final class WalkResult {
    private WalkResult() {}

    /** The permission bits of a translation ({@link #prot}): the values of mmap's PROT_READ, PROT_WRITE, PROT_EXEC. */
    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    static final long FAULT = 1L << 63;
    private static final int SIZE_SHIFT = 3;
    static final long GLOBAL = 1L << 5;
    private static final int PKEY_SHIFT = 6;

    static long ok(long pagePa, int prot, int sizeCode, boolean global, int pkey) {
        return pagePa & Pte.ADDR_MASK | prot | (long) sizeCode << SIZE_SHIFT | (global ? GLOBAL : 0)
                | (long) pkey << PKEY_SHIFT;
    }

    /**
     * The protection key of a successful walk's user page (0 for supervisor pages and without CR4.PKE).
     *
     * @param r a successful result
     * @return the key, 0 to 15
     */
    public static int pkey(long r) {
        return (int) (r >>> PKEY_SHIFT) & 0xf;
    }

    /**
     * {@code r} with its rights reduced to {@code prot}.
     *
     * @param r    a successful result
     * @param prot the rights it keeps ({@link #PROT_READ}, {@link #PROT_WRITE}, {@link #PROT_EXEC} bits)
     * @return the result
     */
    public static long withProt(long r, int prot) {
        return r & ~7L | prot;
    }

    static long fault(int errorCode) {
        return FAULT | errorCode;
    }

    /**
     * Whether a walk failed.
     *
     * @param r a walk result
     * @return whether it is a fault
     */
    public static boolean isFault(long r) {
        return r < 0;
    }

    /**
     * The #PF error code of a failed walk.
     *
     * @param r a fault result
     * @return the error code ({@link PfErr})
     */
    public static int errorCode(long r) {
        return (int) (r & 0x3f);
    }

    /**
     * The physical address of the 4 KiB page holding the virtual address.
     *
     * @param r a successful result
     * @return the page's physical address
     */
    public static long pagePa(long r) {
        return r & Pte.ADDR_MASK;
    }

    /**
     * The rights of a successful walk.
     *
     * @param r a successful result
     * @return {@link #PROT_READ}, {@link #PROT_WRITE} and {@link #PROT_EXEC} bits
     */
    public static int prot(long r) {
        return (int) (r & 7);
    }

    /**
     * The page size of a successful walk.
     *
     * @param r a successful result
     * @return 0 for 4 KiB, 1 for 2 MiB, 2 for 1 GiB
     */
    public static int sizeCode(long r) {
        return (int) ((r >>> SIZE_SHIFT) & 3);
    }

    /**
     * Whether a successful walk's leaf is global (G).
     *
     * @param r a successful result
     * @return whether the translation is global
     */
    public static boolean global(long r) {
        return (r & GLOBAL) != 0;
    }
}

package io.mmemu.kernel;

import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import java.util.random.RandomGenerator;

/**
 * Where a new process's stack, mmap area and brk go, as x86-64 Linux decides it
 * (arch/x86/mm/mmap.c, fs/binfmt_elf.c), with ASLR drawn from the run's seeded generator or off.
 */
final class AddressLayout {
    /** STACK_TOP = TASK_SIZE_LOW = DEFAULT_MAP_WINDOW. */
    static final long STACK_TOP = MmStruct.TASK_SIZE;
    /** ELF_ET_DYN_BASE: 2/3 of the address space, page-aligned down. */
    static final long ELF_ET_DYN_BASE = (STACK_TOP / 3 * 2) & PageTypes.PAGE_MASK;
    /** mmap_base()'s clamp on the gap kept for the stack. */
    static final long MIN_GAP = 128L << 20;
    static final long MAX_GAP = STACK_TOP / 6 * 5;
    /** mmap_rnd_bits default on x86-64. */
    static final int MMAP_RND_BITS = 28;
    /** STACK_RND_MASK for 64-bit tasks: 22 bits of pages. */
    static final long STACK_RND_MASK = 0x3fffff;

    private final boolean randomize;
    private final RandomGenerator random;

    AddressLayout(boolean randomize, RandomGenerator random) {
        this.randomize = randomize;
        this.random = random;
    }

    boolean randomize() {
        return randomize;
    }

    /** Models randomize_stack_top(), mm/util.c. */
    long stackTop() {
        if (!randomize) return STACK_TOP;
        long rnd = (random.nextLong() & STACK_RND_MASK) << PageTypes.PAGE_SHIFT;
        return (STACK_TOP - rnd) & PageTypes.PAGE_MASK;
    }

    /** Models arch_mmap_rnd(). */
    long mmapRnd() {
        return randomize ? (random.nextLong() & ((1L << MMAP_RND_BITS) - 1)) << PageTypes.PAGE_SHIFT : 0;
    }

    /** Models mmap_base(), arch/x86/mm/mmap.c, for a stack of {@code rlimitStack} bytes. */
    long mmapBase(long rlimitStack) {
        long gap = rlimitStack;
        long pad = MmStruct.STACK_GUARD_GAP + (randomize ? (STACK_RND_MASK << PageTypes.PAGE_SHIFT) : 0);
        if (gap + pad > gap) gap += pad;
        gap = Math.max(MIN_GAP, Math.min(MAX_GAP, gap));
        return MmStruct.pageAlign(STACK_TOP - gap - mmapRnd());
    }

    /** Models arch_randomize_brk(): within 32 MiB above {@code brk}. */
    long randomizeBrk(long brk) {
        if (!randomize) return brk;
        long range = 0x0200_0000L;
        return (brk + (random.nextLong() & (range - 1))) & PageTypes.PAGE_MASK;
    }

    /** Models arch_align_stack(): a random offset below 8 KiB, then 16-byte alignment. */
    long alignStack(long sp) {
        if (randomize) sp -= random.nextLong() & 8191;
        return sp & ~0xfL;
    }
}

package io.mmemu.emulator.lab;

import io.mmemu.emulator.lab.pgtable.AccessType;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.Pte;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Tuple;

/**
 * One random walk for lab 1: a virtual address, an access, and the entry at each level on its
 * path (the rest of each table is filled with unrelated entries). Generated with jqwik's
 * arbitraries, so that every feature the walker knows appears often enough: huge pages at the PD
 * and PDPT levels, NX, U/S, R/W, a clear P bit at any level, and reserved bits (an address bit
 * above MAXPHYADDR, PS in a PML4 entry, a misaligned huge page).
 *
 * @param vaddr     the virtual address (lower half, canonical)
 * @param access    the access
 * @param user      whether it is made from user mode
 * @param leaf      the level whose entry maps the page (PDPT: 1 GiB, PD: 2 MiB, PT: 4 KiB)
 * @param flags     for each level PML4..PT, the entry's P, RW, US, NX bits ({@link Pte} values)
 * @param reserved  the reserved-bit mistake planted, if any
 * @param rsvdLevel the level (0..3) it is planted at
 * @param tables    the four tables' frame numbers, PML4 first (distinct, in 1..511)
 * @param leafPfn   the mapped page's frame number, aligned to its size
 * @param noise     seeds the unrelated entries
 */
record PageTableCase(long vaddr, AccessType access, boolean user, Level leaf, List<Long> flags, Reserved reserved,
        int rsvdLevel, List<Integer> tables, long leafPfn, long noise) {

    /** Reserved bits a case may plant (SDM vol. 3A, 4.5.4, "Reserved bit checking"). */
    enum Reserved {
        NONE,
        /** A physical-address bit at or above MAXPHYADDR (46). */
        ABOVE_MAXPHYADDR,
        /** PS set in a PML4 entry, where it is reserved. */
        PS_IN_PML4,
        /** A huge page's address with bits below its size set (bits 20:13 for 2 MiB, 29:13 for 1 GiB). */
        MISALIGNED_HUGE
    }

    /** MAXPHYADDR of the lab's machine. */
    static final int MAX_PHYS_ADDR_BITS = 46;

    private static Arbitrary<Long> entryFlags() {
        Arbitrary<Boolean> p = Arbitraries.frequency(Tuple.of(12, true), Tuple.of(1, false));
        Arbitrary<Boolean> rw = Arbitraries.frequency(Tuple.of(6, true), Tuple.of(1, false));
        Arbitrary<Boolean> us = Arbitraries.frequency(Tuple.of(6, true), Tuple.of(1, false));
        Arbitrary<Boolean> nx = Arbitraries.frequency(Tuple.of(5, false), Tuple.of(1, true));
        return Combinators.combine(p, rw, us, nx).as((P, RW, US, NX) ->
                (P ? Pte.P : 0) | (RW ? Pte.RW : 0) | (US ? Pte.US : 0) | (NX ? Pte.NX : 0));
    }

    /**
     * The arbitrary the grader draws cases from. Built from combinators only: jqwik memoizes the
     * generators of list() and flatMap() in its property lifecycle's store, which a grader running
     * outside a property does not have.
     */
    static Arbitrary<PageTableCase> arbitrary() {
        // Uniform: jqwik's default distribution favours small values, which would leave the upper indices 0.
        Arbitrary<Long> vaddr = Arbitraries.longs().between(0, (1L << 47) - 1).withDistribution(RandomDistribution.uniform());
        Arbitrary<AccessType> access = Arbitraries.of(AccessType.values());
        Arbitrary<Boolean> user = Arbitraries.of(true, false);
        Arbitrary<Level> leaf = Arbitraries.frequency(Tuple.of(2, Level.PDPT), Tuple.of(3, Level.PD), Tuple.of(5, Level.PT));
        Arbitrary<List<Long>> flags = Combinators.combine(entryFlags(), entryFlags(), entryFlags(), entryFlags()).as(List::of);
        Arbitrary<Reserved> reserved = Arbitraries.frequency(Tuple.of(24, Reserved.NONE), Tuple.of(1, Reserved.ABOVE_MAXPHYADDR),
                Tuple.of(1, Reserved.PS_IN_PML4), Tuple.of(1, Reserved.MISALIGNED_HUGE));
        Arbitrary<Integer> rsvdLevel = Arbitraries.integers().between(0, 3);
        Arbitrary<Integer> frame = Arbitraries.integers().between(1, 511);
        Arbitrary<List<Integer>> tables = Combinators.combine(frame, frame, frame, frame).as(PageTableCase::distinct);
        Arbitrary<Long> leafPfn = Arbitraries.longs().between(0, (1L << (MAX_PHYS_ADDR_BITS - 12)) - 1)
                .withDistribution(RandomDistribution.uniform());
        Arbitrary<Long> noise = Arbitraries.longs();
        Arbitrary<PageTableCase> walk = Combinators.combine(vaddr, access, user, leaf, flags, reserved, rsvdLevel, tables)
                .as((v, a, u, l, f, r, rl, t) -> new PageTableCase(v, a, u, l, f, r, rl, t, 0, 0));
        return Combinators.combine(walk, leafPfn, noise).as(PageTableCase::withLeaf);
    }

    /** Four table frames, made distinct by moving a repeated one to the next free frame. */
    private static List<Integer> distinct(int a, int b, int c, int d) {
        java.util.LinkedHashSet<Integer> used = new java.util.LinkedHashSet<>();
        for (int f : new int[] {a, b, c, d}) {
            while (!used.add(f)) f = f % 511 + 1;
        }
        return List.copyOf(used);
    }

    private PageTableCase withLeaf(long pfn, long n) {
        long pagePfns = leaf.entrySpan() >>> 12;
        return new PageTableCase(vaddr, access, user, leaf, flags, reserved, rsvdLevel, tables, pfn & -pagePfns, n);
    }

    /** {@code count} cases drawn from the arbitrary with a generator seeded by {@code seed}: the same every time. */
    static List<PageTableCase> draw(long seed, int count) {
        RandomGenerator<PageTableCase> g = arbitrary().generator(1000);
        Random random = new Random(seed);
        java.util.ArrayList<PageTableCase> out = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(g.next(random).value());
        return out;
    }

    /** The entry of level {@code i} (0 = PML4) on the walk's path, as written to memory. */
    long entry(int i) {
        Level level = Level.values()[i];
        long e = flags.get(i);
        long target;
        if (level == leaf) {
            target = leafPfn << 12;
            if (level != Level.PT) e |= Pte.PS;
        } else if (level.ordinal() < leaf.ordinal()) {
            target = (long) tables.get(i + 1) << 12;
        } else {
            return 0; // below the leaf: not on the path
        }
        e |= target;
        switch (reserved) {
            case ABOVE_MAXPHYADDR -> {
                if (i == rsvdLevel) e |= 1L << (MAX_PHYS_ADDR_BITS + Math.floorMod(noise, 6));
            }
            case PS_IN_PML4 -> {
                if (i == 0) e |= Pte.PS;
            }
            case MISALIGNED_HUGE -> {
                if (level == leaf && level != Level.PT) e |= 1L << (13 + Math.floorMod(noise, 8));
            }
            case NONE -> { }
        }
        return e;
    }

    /** How many levels the path has entries for: down to the leaf. */
    int pathLength() {
        return leaf.ordinal() + 1;
    }
}

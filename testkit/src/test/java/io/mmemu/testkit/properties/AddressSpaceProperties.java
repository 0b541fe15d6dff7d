package io.mmemu.mm.properties;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.vma.Madvise;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;

/**
 * Random sequences of mmap, munmap, mprotect, mremap, brk, madvise (MADV_DONTNEED and the fork
 * advice DONTFORK, DOFORK, WIPEONFORK, KEEPONFORK), user accesses (read, write, fetch, through
 * the page walker and do_user_addr_fault as the CPU makes them), fork (dup_mmap into another
 * slot) and exit_mmap over three address spaces sharing one machine keep the address-space
 * invariants ({@link io.mmemu.mm.check.AddressSpaceInvariants}) after every step, agree with a page-granular
 * reference model of Linux's semantics ({@link AddressSpaces}), and leave no frame allocated
 * after the last exit. After a fork, parent and child each have their own reference, so that a
 * write that one of them sees through the other's store is a broken copy-on-write.
 *
 * <p>A failure shrinks to a minimal sequence (full shrinking) and its message lists every step
 * with the calls it made and their results, then every VMA and every present PTE.
 *
 * <p>The default run makes 1,000 tries of up to 100 steps. {@code bin/campaign} runs
 * {@link AddressSpaceCampaign}: 100,000 tries of up to 400 steps of the same actions.
 */
class AddressSpaceProperties {

    @Property(tries = 1000, shrinking = ShrinkingMode.FULL)
    void randomSequencesKeepTheInvariants(@ForAll("actions") List<MmAction> actions) {
        for (String o : AddressSpaces.run(actions)) Statistics.collect(o);
        // Each of MUST_HAPPEN came to about 100 or (most) far more in 1,000 tries; fewer means the generator stopped reaching it.
        Statistics.coverage(c -> {
            for (String o : MUST_HAPPEN) c.check(o).count(n -> n >= 30);
            for (String o : RARE_MUST_HAPPEN) c.check(o).count(n -> n >= 10);
        });
    }

    /** Step outcomes the default run must reach, so that a change to the generator cannot quietly hollow it out. */
    static final List<String> MUST_HAPPEN = List.of("read ok", "write ok", "fetch ok", "read SEGV_ACCERR",
            "write SEGV_ACCERR", "fetch SEGV_ACCERR", "write SEGV_MAPERR", "mmap over a mapping", "munmap", "mprotect",
            "mprotect ENOMEM", "mremap shrink", "mremap grow in place", "mremap move MAYMOVE", "mremap move FIXED",
            "mremap move DONTUNMAP", "brk grow", "brk shrink", "brk refused", "madvise", "madvise ENOMEM", "exit",
            "madvise DONTFORK", "madvise DOFORK", "madvise WIPEONFORK", "madvise KEEPONFORK", "fork", "fork shares frames",
            "fork leaves out DONTFORK", "write COW copy after fork");

    /**
     * Outcomes that take a chain of steps (a written page, a fork, the other side dropping the
     * frame, a write): 20 to 50 in 1,000 tries; fewer than 10 means the generator stopped reaching them.
     */
    static final List<String> RARE_MUST_HAPPEN = List.of("fork wipes WIPEONFORK", "write COW reuse after fork",
            "write COW reuse after the other side exited");

    // ------------------------------------------------------------------ regressions the property found

    private static MmAction.Where vmaStart(int vma) {
        return new MmAction.Where(MmAction.Anchor.BOUNDARY, 2 * vma, 0);
    }

    /** mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP) with old_len == new_len returned the old address and moved nothing. */
    @Example
    void mremapDontunmapMovesThePagesAndLeavesTheOldRangeEmpty() {
        AddressSpaces.run(List.of(
                new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, vmaStart(0), 2, 3),
                new MmAction.Touch(0, vmaStart(0), Access.WRITE, 0x7f8, 42),
                new MmAction.Mremap(0, vmaStart(0), 2, 2, MmAction.RemapMode.DONTUNMAP, vmaStart(0)),
                new MmAction.Touch(0, vmaStart(0), Access.READ, 0x7f8, 1),
                new MmAction.Touch(0, vmaStart(1), Access.READ, 0x7f8, 1)));
    }

    /** mprotect(PROT_NONE) kept RW in a present PTE (P cleared, _PAGE_PROTNONE set) under a VMA without VM_WRITE. */
    @Example
    void mprotectNoneClearsRwOfAWrittenPage() {
        AddressSpaces.run(List.of(
                new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, vmaStart(0), 1, 2),
                new MmAction.Touch(0, vmaStart(0), Access.WRITE, 0, 1),
                new MmAction.Mprotect(0, vmaStart(0), 1, 0),
                new MmAction.Mprotect(0, vmaStart(0), 1, 1),
                new MmAction.Touch(0, vmaStart(0), Access.READ, 0, 1)));
    }

    // ------------------------------------------------------------------ fork, step by step

    /** After a fork each side's write stays its own: the child's copies the shared frame, the parent's then reuses it. */
    @Example
    void writesAfterForkStayInTheirOwnAddressSpace() {
        List<String> outcomes = AddressSpaces.run(List.of(
                new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, vmaStart(0), 2, 3),
                new MmAction.Touch(0, vmaStart(0), Access.WRITE, 0x7f8, 1),
                new MmAction.Fork(0, 1),
                new MmAction.Touch(1, vmaStart(0), Access.WRITE, 0x7f8, 2),
                new MmAction.Touch(0, vmaStart(0), Access.READ, 0x7f8, 1),
                new MmAction.Touch(0, vmaStart(0), Access.WRITE, 0, 3),
                new MmAction.Touch(1, vmaStart(0), Access.READ, 0, 1)));
        expectOutcomes(outcomes, "write COW copy after fork", "write COW reuse after fork");
    }

    /**
     * Once the child exits, the parent's write reuses the frame they shared; the child has no
     * DONTFORK page (the check after each step compares its VMAs with its reference) and its
     * WIPEONFORK page reads zero.
     */
    @Example
    void parentReusesTheFrameAfterTheChildExits() {
        MmAction.Where second = new MmAction.Where(MmAction.Anchor.INSIDE, 0, 1);
        List<String> outcomes = AddressSpaces.run(List.of(
                new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, vmaStart(0), 3, 3),
                new MmAction.Touch(0, vmaStart(0), Access.WRITE, 0, 7),
                new MmAction.Touch(0, second, Access.WRITE, 0, 8),
                new MmAction.Madvise(0, second, 1, Madvise.MADV_WIPEONFORK),
                new MmAction.Madvise(0, vmaStart(2), 1, Madvise.MADV_DONTFORK),
                new MmAction.Fork(0, 1),
                new MmAction.Touch(1, vmaStart(1), Access.READ, 0, 1), // the wiped page reads zero
                new MmAction.Exit(1),
                new MmAction.Touch(0, vmaStart(0), Access.WRITE, 0, 9)));
        expectOutcomes(outcomes, "fork leaves out DONTFORK", "fork wipes WIPEONFORK",
                "write COW reuse after the other side exited");
    }

    private static void expectOutcomes(List<String> outcomes, String... expected) {
        for (String e : expected) {
            if (!outcomes.contains(e)) throw new AssertionError("expected a step to come to \"" + e + "\", got " + outcomes);
        }
    }

    @Provide
    Arbitrary<List<MmAction>> actions() {
        return action().list().ofMaxSize(100).withSizeDistribution(RandomDistribution.uniform()).withoutEdgeCases();
    }

    static Arbitrary<MmAction> action() {
        return Arbitraries.frequencyOf(
                Tuple.of(20, mmap()),
                Tuple.of(10, munmap()),
                Tuple.of(12, mprotect()),
                Tuple.of(10, mremap()),
                Tuple.of(8, brk()),
                Tuple.of(8, madvise()),
                Tuple.of(40, touch()),
                Tuple.of(5, fork()),
                Tuple.of(3, exit())).withoutEdgeCases(); // edge cases would flood sequences with minimal mmaps
    }

    /** Mostly the first address space, so that its state builds up; the others for cross-mm frame accounting. */
    static Arbitrary<Integer> mm() {
        return Arbitraries.frequency(Tuple.of(6, 0), Tuple.of(3, 1), Tuple.of(1, 2));
    }

    /** Inside a VMA or near a VMA boundary, so that ranges overlap existing mappings partly; some anywhere. */
    static Arbitrary<MmAction.Where> where() {
        return where(Arbitraries.frequency(Tuple.of(4, MmAction.Anchor.BOUNDARY), Tuple.of(5, MmAction.Anchor.INSIDE),
                Tuple.of(1, MmAction.Anchor.WINDOW)));
    }

    /** Accesses land mostly inside a VMA, some on pages already mapped (after a fork: copy-on-write). */
    static Arbitrary<MmAction.Where> touchWhere() {
        return where(Arbitraries.frequency(Tuple.of(6, MmAction.Anchor.INSIDE), Tuple.of(3, MmAction.Anchor.BOUNDARY),
                Tuple.of(8, MmAction.Anchor.MAPPED), Tuple.of(1, MmAction.Anchor.WINDOW)));
    }

    private static Arbitrary<MmAction.Where> where(Arbitrary<MmAction.Anchor> anchors) {
        return Combinators.combine(anchors, Arbitraries.integers().between(0, AddressSpaces.WINDOW_PAGES - 1),
                Arbitraries.integers().between(-4, 4)).as((anchor, pick, delta) ->
                        new MmAction.Where(anchor, pick, anchor == MmAction.Anchor.INSIDE ? pick / 7 + delta : delta));
    }

    static Arbitrary<Integer> prot() {
        return Arbitraries.integers().between(0, 7);
    }

    /** 1..max pages, mostly small, so that ranges often fall inside one mapping. */
    static Arbitrary<Integer> pages(int max) {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.integers().between(1, 8)),
                Tuple.of(2, Arbitraries.integers().between(1, max)));
    }

    static Arbitrary<MmAction> mmap() {
        return Combinators.combine(mm(), Arbitraries.of(MmAction.Placement.class), where(), pages(64), prot())
                .as(MmAction.Mmap::new);
    }

    static Arbitrary<MmAction> munmap() {
        return Combinators.combine(mm(), where(), pages(96)).as(MmAction.Munmap::new);
    }

    static Arbitrary<MmAction> mprotect() {
        return Combinators.combine(mm(), where(), pages(96), prot()).as(MmAction.Mprotect::new);
    }

    static Arbitrary<MmAction> mremap() {
        Arbitrary<Integer> oldPages = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)), Tuple.of(2, pages(32)));
        return Combinators.combine(mm(), where(), oldPages, pages(64), Arbitraries.of(MmAction.RemapMode.class), where())
                .as(MmAction.Mremap::new);
    }

    static Arbitrary<MmAction> brk() {
        return Combinators.combine(mm(), Arbitraries.integers().between(-32, 32), Arbitraries.of(0, 0, 100))
                .as(MmAction.Brk::new);
    }

    static Arbitrary<MmAction> madvise() {
        Arbitrary<Integer> advice = Arbitraries.frequency(Tuple.of(4, Madvise.MADV_DONTNEED),
                Tuple.of(2, Madvise.MADV_DONTFORK), Tuple.of(1, Madvise.MADV_DOFORK),
                Tuple.of(2, Madvise.MADV_WIPEONFORK), Tuple.of(1, Madvise.MADV_KEEPONFORK));
        return Combinators.combine(mm(), where(), pages(96), advice).as(MmAction.Madvise::new);
    }

    static Arbitrary<MmAction> touch() {
        return Combinators.combine(mm(), touchWhere(), Arbitraries.of(Access.READ, Access.WRITE, Access.WRITE, Access.FETCH),
                Arbitraries.of(AddressSpaces.TOUCH_OFFSETS), Arbitraries.integers().between(1, 255)).as(MmAction.Touch::new);
    }

    /**
     * The child goes to one of the other slots, whose process exits first; mostly the next one, so
     * that from the busy first address space children land where {@link #mm()} often acts.
     */
    static Arbitrary<MmAction> fork() {
        Arbitrary<Integer> offset = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(1)),
                Tuple.of(1, Arbitraries.integers().between(1, AddressSpaces.NR_MM - 1)));
        return Combinators.combine(mm(), offset).as(MmAction.Fork::new);
    }

    static Arbitrary<MmAction> exit() {
        return mm().map(MmAction.Exit::new);
    }
}

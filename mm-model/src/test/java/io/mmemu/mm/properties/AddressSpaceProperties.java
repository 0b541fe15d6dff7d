package io.mmemu.mm.properties;

import io.mmemu.mm.pgtable.Access;
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
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Random sequences of mmap, munmap, mprotect, mremap, brk, madvise(MADV_DONTNEED), user
 * accesses (read, write, fetch, through the page walker and do_user_addr_fault as the CPU makes
 * them) and exit_mmap over three address spaces sharing one machine keep the address-space
 * invariants ({@link AddressSpaceChecker}) after every step, agree with a page-granular
 * reference model of Linux's semantics ({@link AddressSpaces}), and leave no frame allocated
 * after the last exit.
 *
 * <p>A failure shrinks to a minimal sequence (full shrinking) and its message lists every step
 * with the calls it made and their results, then every VMA and every present PTE.
 *
 * <p>The default run makes 1,000 tries of up to 100 steps. {@code bin/campaign}
 * ({@code -Dmmemu.campaign=true}) also runs the campaign property: 100,000 tries of up to 400
 * steps. Fork is not an action yet: the model has no dup_mmap.
 */
class AddressSpaceProperties {
    static final String CAMPAIGN = "mmemu.campaign";

    @Property(tries = 1000, shrinking = ShrinkingMode.FULL)
    void randomSequencesKeepTheInvariants(@ForAll("actions") List<MmAction> actions) {
        for (String o : AddressSpaces.run(actions)) Statistics.collect(o);
        // Each of these came to well over 100 in 1,000 tries; fewer means the generator stopped reaching it.
        Statistics.coverage(c -> {
            for (String o : MUST_HAPPEN) c.check(o).count(n -> n >= 30);
        });
    }

    /** Step outcomes the default run must reach, so that a change to the generator cannot quietly hollow it out. */
    static final List<String> MUST_HAPPEN = List.of("read ok", "write ok", "fetch ok", "read SEGV_ACCERR",
            "write SEGV_ACCERR", "fetch SEGV_ACCERR", "write SEGV_MAPERR", "mmap over a mapping", "munmap", "mprotect",
            "mprotect ENOMEM", "mremap shrink", "mremap grow in place", "mremap move MAYMOVE", "mremap move FIXED",
            "mremap move DONTUNMAP", "brk grow", "brk shrink", "brk refused", "madvise", "madvise ENOMEM", "exit");

    @Property(tries = 100_000, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(CampaignOnly.class)
    void campaignLongSequencesKeepTheInvariants(@ForAll("campaignActions") List<MmAction> actions) {
        for (String o : AddressSpaces.run(actions)) Statistics.collect(o);
    }

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

    /** Runs the campaign property only under -Dmmemu.campaign=true (bin/campaign). */
    static final class CampaignOnly implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return Boolean.getBoolean(CAMPAIGN) ? SkipResult.doNotSkip()
                    : SkipResult.skip("the long campaign runs with -D" + CAMPAIGN + "=true (bin/campaign)");
        }
    }

    @Provide
    Arbitrary<List<MmAction>> actions() {
        return action().list().ofMaxSize(100).withSizeDistribution(RandomDistribution.uniform()).withoutEdgeCases();
    }

    @Provide
    Arbitrary<List<MmAction>> campaignActions() {
        return action().list().ofMaxSize(400).withSizeDistribution(RandomDistribution.uniform()).withoutEdgeCases();
    }

    static Arbitrary<MmAction> action() {
        return Arbitraries.frequencyOf(
                Tuple.of(20, mmap()),
                Tuple.of(10, munmap()),
                Tuple.of(12, mprotect()),
                Tuple.of(10, mremap()),
                Tuple.of(8, brk()),
                Tuple.of(6, madvise()),
                Tuple.of(32, touch()),
                Tuple.of(2, exit())).withoutEdgeCases(); // edge cases would flood sequences with minimal mmaps
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

    /** Accesses land mostly inside a VMA. */
    static Arbitrary<MmAction.Where> touchWhere() {
        return where(Arbitraries.frequency(Tuple.of(6, MmAction.Anchor.INSIDE), Tuple.of(3, MmAction.Anchor.BOUNDARY),
                Tuple.of(1, MmAction.Anchor.WINDOW)));
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
        return Combinators.combine(mm(), where(), pages(96)).as(MmAction.MadviseDontneed::new);
    }

    static Arbitrary<MmAction> touch() {
        return Combinators.combine(mm(), touchWhere(), Arbitraries.of(Access.READ, Access.WRITE, Access.WRITE, Access.FETCH),
                Arbitraries.of(0, 0x7f8, 0xfff), Arbitraries.integers().between(1, 255)).as(MmAction.Touch::new);
    }

    static Arbitrary<MmAction> exit() {
        return mm().map(MmAction.Exit::new);
    }
}

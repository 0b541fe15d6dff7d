package io.mmemu.testkit.properties;

import io.mmemu.mm.huge.ThpPolicy;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.testkit.MmAction;
import io.mmemu.testkit.MmActions;
import io.mmemu.testkit.MmSandbox;
import io.mmemu.testkit.Where;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;

/**
 * Random sequences of mmap, munmap, mprotect, mremap, brk, madvise (MADV_DONTNEED and the fork
 * advice DONTFORK, DOFORK, WIPEONFORK, KEEPONFORK), user accesses (read, write, fetch, through
 * the page walker and do_user_addr_fault as the CPU makes them), fork (dup_mmap into another
 * slot) and exit_mmap over the three address spaces of an {@link MmSandbox} keep the
 * address-space invariants ({@link io.mmemu.testkit.StandardInvariants#addressSpace()}, mm-model's
 * {@link io.mmemu.mm.check.AddressSpaceInvariants}) after every step, agree with a page-granular
 * reference model of Linux's semantics ({@link ReferenceModel}), and leave no frame allocated
 * after the last exit. After a fork, parent and child each have their own reference, so that a
 * write that one of them sees through the other's store is a broken copy-on-write.
 *
 * <p>The scripts are the testkit's own ({@link MmActions#action}), so that its weights are the
 * ones this property's coverage check holds to. A failure shrinks to a minimal sequence (full
 * shrinking) and its message lists every step with the calls it made and their results, then
 * every VMA and every present PTE.
 *
 * <p>The default run makes 1,000 tries of up to 100 steps. {@code bin/campaign} runs
 * {@link AddressSpaceCampaign}: 100,000 tries of up to 400 steps of the same actions.
 */
class AddressSpaceProperties {

    @Property(tries = 1000, shrinking = ShrinkingMode.FULL)
    void randomSequencesKeepTheInvariants(@ForAll("actions") List<MmAction> actions) {
        for (String o : ReferenceModel.run(actions)) Statistics.collect(o);
        // Each of MUST_HAPPEN came to about 100 or (most) far more in 1,000 tries; fewer means the generator stopped reaching it.
        Statistics.coverage(c -> {
            for (String o : MUST_HAPPEN) c.check(o).count(n -> n >= 30);
            for (String o : RARE_MUST_HAPPEN) c.check(o).count(n -> n >= 10);
        });
    }

    /**
     * The same sequences with transparent huge pages "always": faults in the window's aligned
     * 2 MiB take huge PMDs, which munmap, mprotect, mremap, MADV_DONTNEED and copy-on-write after
     * fork must split or zap with no change to what the reference sees.
     */
    @Property(tries = 300, shrinking = ShrinkingMode.FULL)
    void randomSequencesKeepTheInvariantsWithHugePages(@ForAll("actions") List<MmAction> actions) {
        // The generator's mappings are at most 64 pages: one of the whole window (two aligned 2 MiB) first.
        List<MmAction> script = new ArrayList<>();
        script.add(new MmAction.Mmap(0, MmAction.Placement.FIXED, Where.window(0), MmSandbox.WINDOW_PAGES,
                MmSandbox.PROT_READ | MmSandbox.PROT_WRITE));
        script.addAll(actions);
        for (String o : ReferenceModel.run(script, ThpPolicy.ALWAYS)) Statistics.collect(o);
        // Measured over 300 scripts: 81 to 92 faulted a huge page, 104 to 111 mapped the huge zero page,
        // 113 to 128 split a PMD; 30 each is far below.
        Statistics.coverage(c -> {
            c.check("thp_fault_alloc").count(n -> n >= 30);
            c.check("thp_zero_page_alloc").count(n -> n >= 30);
            c.check("thp_split_pmd").count(n -> n >= 30);
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

    /** mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP) with old_len == new_len returned the old address and moved nothing. */
    @Example
    void mremapDontunmapMovesThePagesAndLeavesTheOldRangeEmpty() {
        ReferenceModel.run(List.of(
                new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, Where.vmaStart(0), 2, 3),
                new MmAction.Touch(0, Where.vmaStart(0), Access.WRITE, 0x7f8, 42),
                new MmAction.Mremap(0, Where.vmaStart(0), 2, 2, MmAction.RemapMode.DONTUNMAP, Where.vmaStart(0)),
                new MmAction.Touch(0, Where.vmaStart(0), Access.READ, 0x7f8, 1),
                new MmAction.Touch(0, Where.vmaStart(1), Access.READ, 0x7f8, 1)));
    }

    /** mprotect(PROT_NONE) kept RW in a present PTE (P cleared, _PAGE_PROTNONE set) under a VMA without VM_WRITE. */
    @Example
    void mprotectNoneClearsRwOfAWrittenPage() {
        ReferenceModel.run(List.of(
                new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, Where.vmaStart(0), 1, 2),
                new MmAction.Touch(0, Where.vmaStart(0), Access.WRITE, 0, 1),
                new MmAction.Mprotect(0, Where.vmaStart(0), 1, 0),
                new MmAction.Mprotect(0, Where.vmaStart(0), 1, 1),
                new MmAction.Touch(0, Where.vmaStart(0), Access.READ, 0, 1)));
    }

    // ------------------------------------------------------------------ fork, step by step

    /** After a fork each side's write stays its own: the child's copies the shared frame, the parent's then reuses it. */
    @Example
    void writesAfterForkStayInTheirOwnAddressSpace() {
        List<String> outcomes = ReferenceModel.run(List.of(
                new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, Where.vmaStart(0), 2, 3),
                new MmAction.Touch(0, Where.vmaStart(0), Access.WRITE, 0x7f8, 1),
                new MmAction.Fork(0, 1),
                new MmAction.Touch(1, Where.vmaStart(0), Access.WRITE, 0x7f8, 2),
                new MmAction.Touch(0, Where.vmaStart(0), Access.READ, 0x7f8, 1),
                new MmAction.Touch(0, Where.vmaStart(0), Access.WRITE, 0, 3),
                new MmAction.Touch(1, Where.vmaStart(0), Access.READ, 0, 1)));
        expectOutcomes(outcomes, "write COW copy after fork", "write COW reuse after fork");
    }

    /**
     * Once the child exits, the parent's write reuses the frame they shared; the child has no
     * DONTFORK page (the check after each step compares its VMAs with its reference) and its
     * WIPEONFORK page reads zero.
     */
    @Example
    void parentReusesTheFrameAfterTheChildExits() {
        Where second = new Where(Where.Anchor.INSIDE, 0, 1);
        List<String> outcomes = ReferenceModel.run(List.of(
                new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, Where.vmaStart(0), 3, 3),
                new MmAction.Touch(0, Where.vmaStart(0), Access.WRITE, 0, 7),
                new MmAction.Touch(0, second, Access.WRITE, 0, 8),
                new MmAction.Madvise(0, second, 1, Madvise.MADV_WIPEONFORK),
                new MmAction.Madvise(0, Where.vmaStart(2), 1, Madvise.MADV_DONTFORK),
                new MmAction.Fork(0, 1),
                new MmAction.Touch(1, Where.vmaStart(1), Access.READ, 0, 1), // the wiped page reads zero
                new MmAction.Exit(1),
                new MmAction.Touch(0, Where.vmaStart(0), Access.WRITE, 0, 9)));
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
        return MmActions.scripts(MmSandbox.DEFAULT_SLOTS).withoutEdgeCases();
    }
}

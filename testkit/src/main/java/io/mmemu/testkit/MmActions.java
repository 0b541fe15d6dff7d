package io.mmemu.testkit;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.vma.Madvise;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.arbitraries.ListArbitrary;

/**
 * jqwik arbitraries for address-space scripts ({@link MmAction}s over an {@link MmSandbox}).
 *
 * <pre>{@code
 * @Property
 * void myProperty(@ForAll("scripts") List<MmAction> script) {
 *     try (MmSandbox s = MmSandbox.boot()) {
 *         Scripts.run(s, script, myInvariant);
 *     }
 * }
 *
 * @Provide
 * Arbitrary<List<MmAction>> scripts() {
 *     return MmActions.scripts(MmSandbox.DEFAULT_SLOTS);
 * }
 * }</pre>
 *
 * <p>The weights are those of the address-space property in testkit's tests, tuned there so that
 * every outcome (faults of each kind, mappings over mappings, partial munmap and mprotect, each way
 * mremap and brk can go, fork advice, copy-on-write after fork) is reached at least tens of times
 * in 1,000 tries: accesses are a third of the steps, and addresses are mostly inside or next to
 * an existing VMA ({@link Where}). Edge cases are off: they would flood scripts with minimal mmaps.
 */
public final class MmActions {
    private MmActions() {}

    /**
     * Scripts of up to 100 steps, lengths uniform, over {@code slots} address spaces.
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static ListArbitrary<MmAction> scripts(int slots) {
        return action(slots).list().ofMaxSize(100).withSizeDistribution(RandomDistribution.uniform());
    }

    /**
     * One step: mmap 20, munmap 10, mprotect 12, mremap 10, brk 8, madvise 8, access 40, fork 5,
     * exit 3 (relative weights; fork only with two slots or more).
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> action(int slots) {
        List<Tuple.Tuple2<Integer, Arbitrary<MmAction>>> steps = new ArrayList<>(List.of(
                Tuple.of(20, mmap(slots)),
                Tuple.of(10, munmap(slots)),
                Tuple.of(12, mprotect(slots)),
                Tuple.of(10, mremap(slots)),
                Tuple.of(8, brk(slots)),
                Tuple.of(8, madvise(slots)),
                Tuple.of(40, touch(slots))));
        if (slots > 1) steps.add(Tuple.of(5, fork(slots)));
        steps.add(Tuple.of(3, exit(slots)));
        return Arbitraries.frequencyOf(steps).withoutEdgeCases();
    }

    /**
     * A slot: the first 6 times in 10 with three slots, so that its state builds up; the second
     * half as often, the others once each, for state shared across address spaces (fork).
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<Integer> slot(int slots) {
        List<Tuple.Tuple2<Integer, Integer>> weights = new ArrayList<>(slots);
        for (int i = 0; i < slots; i++) weights.add(Tuple.of(i == 0 ? 6 : i == 1 ? 3 : 1, i));
        return Arbitraries.frequency(weights);
    }

    /**
     * Where a range starts: inside a VMA or near a boundary, so that ranges overlap mappings partly; some anywhere.
     *
     * @return the arbitrary
     */
    public static Arbitrary<Where> where() {
        return where(Arbitraries.frequency(Tuple.of(4, Where.Anchor.BOUNDARY), Tuple.of(5, Where.Anchor.INSIDE),
                Tuple.of(1, Where.Anchor.WINDOW)));
    }

    /**
     * Where an access goes: mostly inside a VMA, often a page already mapped (after a fork: copy-on-write).
     *
     * @return the arbitrary
     */
    public static Arbitrary<Where> touchWhere() {
        return where(Arbitraries.frequency(Tuple.of(6, Where.Anchor.INSIDE), Tuple.of(3, Where.Anchor.BOUNDARY),
                Tuple.of(8, Where.Anchor.MAPPED), Tuple.of(1, Where.Anchor.WINDOW)));
    }

    private static Arbitrary<Where> where(Arbitrary<Where.Anchor> anchors) {
        return Combinators.combine(anchors, Arbitraries.integers().between(0, MmSandbox.WINDOW_PAGES - 1),
                Arbitraries.integers().between(-4, 4)).as((anchor, pick, delta) ->
                        new Where(anchor, pick, anchor == Where.Anchor.INSIDE ? pick / 7 + delta : delta));
    }

    /**
     * Any protection, PROT_NONE to rwx.
     *
     * @return the arbitrary
     */
    public static Arbitrary<Integer> prot() {
        return Arbitraries.integers().between(0, 7);
    }

    /**
     * 1 .. {@code max} pages, mostly up to 8, so that ranges often fall inside one mapping.
     *
     * @param max the most pages
     * @return the arbitrary
     */
    public static Arbitrary<Integer> pages(int max) {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.integers().between(1, Math.min(8, max))),
                Tuple.of(2, Arbitraries.integers().between(1, max)));
    }

    /**
     * mmap of 1 to 64 pages, placed by the kernel, at a hint or fixed.
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> mmap(int slots) {
        return Combinators.combine(slot(slots), Arbitraries.of(MmAction.Placement.class), where(), pages(64), prot())
                .as(MmAction.Mmap::new);
    }

    /**
     * munmap of 1 to 96 pages.
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> munmap(int slots) {
        return Combinators.combine(slot(slots), where(), pages(96)).as(MmAction.Munmap::new);
    }

    /**
     * mprotect of 1 to 96 pages.
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> mprotect(int slots) {
        return Combinators.combine(slot(slots), where(), pages(96), prot()).as(MmAction.Mprotect::new);
    }

    /**
     * mremap of 1 to 32 pages (a third of the time: to the end of the VMA) to 1 to 64 pages, in
     * any {@link MmAction.RemapMode}, a FIXED one to a second place.
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> mremap(int slots) {
        Arbitrary<Integer> oldPages = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)), Tuple.of(2, pages(32)));
        return Combinators.combine(slot(slots), where(), oldPages, pages(64), Arbitraries.of(MmAction.RemapMode.class),
                where()).as(MmAction.Mremap::new);
    }

    /**
     * brk moving the break up to 32 pages either way, a third of the time to an unaligned address.
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> brk(int slots) {
        return Combinators.combine(slot(slots), Arbitraries.integers().between(-32, 32), Arbitraries.of(0, 0, 100))
                .as(MmAction.Brk::new);
    }

    /**
     * madvise of 1 to 96 pages: MADV_DONTNEED 4, MADV_DONTFORK 2, MADV_DOFORK 1, MADV_WIPEONFORK 2,
     * MADV_KEEPONFORK 1 (relative weights).
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> madvise(int slots) {
        Arbitrary<Integer> advice = Arbitraries.frequency(Tuple.of(4, Madvise.MADV_DONTNEED),
                Tuple.of(2, Madvise.MADV_DONTFORK), Tuple.of(1, Madvise.MADV_DOFORK),
                Tuple.of(2, Madvise.MADV_WIPEONFORK), Tuple.of(1, Madvise.MADV_KEEPONFORK));
        return Combinators.combine(slot(slots), where(), pages(96), advice).as(MmAction.Madvise::new);
    }

    /**
     * The page offsets accesses go to: the first, a middle and the last byte (a checker that
     * compares these bytes of every page with what was written compares whole contents).
     */
    public static final List<Integer> TOUCH_OFFSETS = List.of(0, 0x7f8, 0xfff);

    /**
     * A read, write (twice as often) or fetch at the first, a middle or the last byte of a page.
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> touch(int slots) {
        return Combinators.combine(slot(slots), touchWhere(), Arbitraries.of(Access.READ, Access.WRITE, Access.WRITE,
                Access.FETCH), Arbitraries.of(TOUCH_OFFSETS), Arbitraries.integers().between(1, 255)).as(MmAction.Touch::new);
    }

    /**
     * fork into another slot, mostly the next one, so that children land where {@link #slot} often acts.
     *
     * @param slots the sandbox's slots, at least 2
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> fork(int slots) {
        if (slots < 2) throw new IllegalArgumentException("fork needs two slots or more (got " + slots + ")");
        Arbitrary<Integer> offset = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(1)),
                Tuple.of(1, Arbitraries.integers().between(1, slots - 1)));
        return Combinators.combine(slot(slots), offset).as((parent, off) -> new MmAction.Fork(parent, (parent + off) % slots));
    }

    /**
     * exit of one process.
     *
     * @param slots the sandbox's slots
     * @return the arbitrary
     */
    public static Arbitrary<MmAction> exit(int slots) {
        return slot(slots).map(MmAction.Exit::new);
    }
}

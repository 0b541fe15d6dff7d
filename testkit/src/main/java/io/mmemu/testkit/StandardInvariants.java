package io.mmemu.testkit;

import io.mmemu.slub.SlubLog;
import io.mmemu.slub.check.SlubInvariants;
import java.util.ArrayList;
import java.util.List;

/**
 * The invariants every script should keep, whatever property a test adds: the one call a
 * property makes to check the model as a whole ({@code Scripts.run(s, script,
 * StandardInvariants.addressSpace().and(mine))}). Both delegate to the modules' own public
 * checkers, {@link io.mmemu.mm.check.AddressSpaceInvariants} and {@link SlubInvariants}.
 */
public final class StandardInvariants {
    private StandardInvariants() {}

    /**
     * mm-model's address-space invariants over every live address space of the sandbox: VMAs
     * sorted, disjoint, aligned, inside [mmap_min_addr, TASK_SIZE) with coherent flags; every
     * present entry inside a VMA and no more permissive than it; page-table pages, frame map
     * counts and RSS counters agreeing with the page tables.
     *
     * @return the invariant
     */
    public static Invariant<MmSandbox> addressSpace() {
        return s -> s.invariants().violations(s.live());
    }

    /**
     * The allocator's invariants: SLUB reported no error (its debug checks, when slub_debug
     * enables them, found nothing), and slub's checker finds every cache sound, with the
     * sandbox's live objects as the ones handed out (none of them on a freelist, none lost).
     *
     * @return the invariant
     */
    public static Invariant<SlubSandbox> slub() {
        return s -> {
            List<String> errors = new ArrayList<>();
            for (SlubLog.SlabError e : s.slub().log().errors()) errors.add("SLUB reported: " + e.message());
            java.util.Set<Long> held = new java.util.HashSet<>();
            for (SlubSandbox.LiveObject o : s.live()) held.add(o.address());
            SlubInvariants.Report r = SlubInvariants.check(s.slub(), held::contains);
            for (SlubInvariants.Violation v : r.violations()) errors.add(v.toString());
            if (!r.ok()) errors.add(r.state());
            return errors;
        };
    }
}

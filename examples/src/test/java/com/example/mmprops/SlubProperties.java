package com.example.mmprops;

import io.mmemu.testkit.Invariant;
import io.mmemu.testkit.Scripts;
import io.mmemu.testkit.SlubAction;
import io.mmemu.testkit.SlubActions;
import io.mmemu.testkit.SlubSandbox;
import io.mmemu.testkit.StandardInvariants;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** My property of SLUB: however CPUs and migrations interleave, no two live objects overlap. */
class SlubProperties {

    static final Invariant<SlubSandbox> LIVE_OBJECTS_DISJOINT = s -> {
        List<SlubSandbox.LiveObject> live = s.live().stream()
                .sorted(Comparator.comparingLong(SlubSandbox.LiveObject::address)).toList();
        for (int i = 1; i < live.size(); i++) {
            SlubSandbox.LiveObject a = live.get(i - 1), b = live.get(i);
            if (a.address() + a.size() > b.address()) return List.of(a + " overlaps " + b);
        }
        return List.of();
    };

    @Property(tries = 200)
    void liveObjectsNeverOverlap(@ForAll("scripts") List<SlubAction> script) {
        try (SlubSandbox s = SlubSandbox.create()) {
            Scripts.run(s, script, StandardInvariants.slub().and(LIVE_OBJECTS_DISJOINT));
            List<String> left = s.drainAndDestroy();
            if (!left.isEmpty()) throw new AssertionError("not every page came back: " + left + "\n" + s.describe());
        }
    }

    @Provide
    Arbitrary<List<SlubAction>> scripts() {
        return SlubActions.scripts(SlubSandbox.DEFAULT_CPUS);
    }
}

package com.example.mmprops;

import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.testkit.Invariant;
import io.mmemu.testkit.MmAction;
import io.mmemu.testkit.MmActions;
import io.mmemu.testkit.MmSandbox;
import io.mmemu.testkit.Scripts;
import io.mmemu.testkit.StandardInvariants;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * My property of address spaces: through mmap, munmap, mprotect, mremap, brk, madvise, faults,
 * fork and exit, a process never has more pages resident than it has mapped.
 */
class AddressSpaceProperties {

    static final Invariant<MmSandbox> RSS_WITHIN_MAPPINGS = s -> {
        List<String> errors = new ArrayList<>();
        List<MmStruct> live = s.live();
        for (int i = 0; i < live.size(); i++) {
            MmStruct mm = live.get(i);
            long rss = mm.rss(RssStat.MM_ANONPAGES) + mm.rss(RssStat.MM_FILEPAGES);
            if (rss > mm.totalVm()) errors.add("mm" + i + ": rss " + rss + " > total_vm " + mm.totalVm());
        }
        return errors;
    };

    @Property(tries = 200)
    void rssNeverExceedsTheMappedPages(@ForAll("scripts") List<MmAction> script) {
        try (MmSandbox s = MmSandbox.boot()) {
            Scripts.run(s, script, StandardInvariants.addressSpace().and(RSS_WITHIN_MAPPINGS));
        }
    }

    @Provide
    Arbitrary<List<MmAction>> scripts() {
        return MmActions.scripts(MmSandbox.DEFAULT_SLOTS);
    }
}

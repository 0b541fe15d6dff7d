package io.mmemu.testkit.properties;

import io.mmemu.testkit.MmAction;
import io.mmemu.testkit.MmActions;
import io.mmemu.testkit.MmSandbox;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;

/**
 * The long campaign of {@link AddressSpaceProperties}: the same actions, checks and reference
 * model, 100,000 tries of up to 400 steps. The class name matches none of surefire's includes
 * ({@code *Test}, {@code *Tests}, {@code *Properties}), so that the default build does not run it
 * (nor report it skipped); {@code bin/campaign} names it with {@code -Dtest=AddressSpaceCampaign}.
 */
class AddressSpaceCampaign {
    @Property(tries = 100_000, shrinking = ShrinkingMode.FULL)
    void longSequencesKeepTheInvariants(@ForAll("campaignActions") List<MmAction> actions) {
        for (String o : ReferenceModel.run(actions)) Statistics.collect(o);
    }

    @Provide
    Arbitrary<List<MmAction>> campaignActions() {
        return MmActions.action(MmSandbox.DEFAULT_SLOTS).list().ofMaxSize(400)
                .withSizeDistribution(RandomDistribution.uniform()).withoutEdgeCases();
    }
}

package io.mmemu.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Malformed input never escapes as anything but ElfFormatException. */
class ElfParserFuzzTest {
    private static byte[] original;

    @BeforeContainer
    static void fixture() {
        original = Fixtures.bytes(Fixtures.staticExec());
    }

    /** Random byte writes in the header and program headers, then an optional truncation. */
    record Mutation(int[] offsets, byte[] values, int length) {
        @Override
        public String toString() {
            return "Mutation[offsets=%s values=%s length=%d]".formatted(Arrays.toString(offsets),
                    Arrays.toString(values), length);
        }
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        int headers = 64 + 56 * 12;
        return Arbitraries.integers().between(1, 8).flatMap(n -> {
            var offsets = Arbitraries.integers().between(0, headers - 1).array(int[].class).ofSize(n);
            var values = Arbitraries.bytes().array(byte[].class).ofSize(n);
            var length = Arbitraries.oneOf(Arbitraries.just(Integer.MAX_VALUE),
                    Arbitraries.integers().between(0, 40_000));
            return net.jqwik.api.Combinators.combine(offsets, values, length).as(Mutation::new);
        });
    }

    @Property(tries = 3000)
    void parsesOrSaysWhy(@ForAll("mutations") Mutation m) {
        byte[] b = original.clone();
        for (int i = 0; i < m.offsets().length; i++) {
            b[m.offsets()[i]] = m.values()[i];
        }
        byte[] input = Arrays.copyOf(b, Math.min(b.length, m.length()));
        try {
            ElfImage image = ElfImage.parse(input);
            assertEquals(false, image.loadSegments().isEmpty());
        } catch (ElfFormatException e) {
            assertEquals(false, e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
        }
    }
}

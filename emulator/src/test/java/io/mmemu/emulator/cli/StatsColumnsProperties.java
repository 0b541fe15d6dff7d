package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** {@code --stats} prints its columns without printf, exactly as printf under Locale.ROOT would. */
class StatsColumnsProperties {

    @Property
    void aGroupedNumberIsPrintfs(@ForAll long value, @ForAll @IntRange(min = 1, max = 30) int width) {
        assertEquals(String.format(Locale.ROOT, "%,d", value), StatsColumns.grouped(value));
        assertEquals(String.format(Locale.ROOT, "%," + width + "d", value) + System.lineSeparator(),
                new StatsColumns().number(value, width).endLine());
    }

    @Property
    void secondsAreAPrintfOfTheDuration(@ForAll @LongRange(min = 0, max = 1_000_000_000_000_000L) long nanos) {
        assertEquals(String.format(Locale.ROOT, "%.3f", BigDecimal.valueOf(nanos, 9)), StatsColumns.seconds(nanos));
    }

    @Property
    void textIsPaddedAsPrintfPadsIt(@ForAll("words") String text, @ForAll @IntRange(min = 1, max = 20) int width) {
        assertEquals(String.format(Locale.ROOT, "%" + width + "s|%-" + width + "s", text, text) + System.lineSeparator(),
                new StatsColumns().right(text, width).text("|").left(text, width).endLine());
    }

    @Provide
    Arbitrary<String> words() {
        return Arbitraries.strings().alpha().numeric().withChars('-').ofMaxLength(24);
    }

    @Test
    void linesStartAfresh() {
        StatsColumns c = new StatsColumns();
        assertEquals("  instructions      " + "     40,689,262" + System.lineSeparator(),
                c.text("  instructions      ").number(40_689_262, 15).endLine());
        assertEquals("x" + System.lineSeparator(), c.text("x").endLine());
    }
}

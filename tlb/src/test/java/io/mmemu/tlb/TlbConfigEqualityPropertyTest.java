package io.mmemu.tlb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * TlbConfig writes its equals and hashCode out (the record's own cost a bootstrap at start-up):
 * they must still say what a record's would, two geometries equal exactly when every component
 * is, with equal hashes.
 */
class TlbConfigEqualityPropertyTest {

    @Property(tries = 2000)
    void equalExactlyWhenEveryComponentIs(@ForAll @Size(6) List<@IntRange(min = 1, max = 2) Integer> a,
            @ForAll @Size(6) List<@IntRange(min = 1, max = 2) Integer> b) {
        TlbConfig x = config(a);
        TlbConfig y = config(b);
        assertEquals(a.equals(b), x.equals(y), x + " vs " + y);
        assertEquals(a.equals(b), y.equals(x), y + " vs " + x);
        if (a.equals(b)) assertEquals(x.hashCode(), y.hashCode(), "equal geometries, different hashes: " + x);
        assertEquals(x, config(a), "a copy of " + x);
        assertNotEquals(x, (Object) x.toString(), "not equal to another type");
    }

    private static TlbConfig config(List<Integer> c) {
        return new TlbConfig(c.get(0), c.get(1), c.get(2), c.get(3), c.get(4), c.get(5));
    }
}

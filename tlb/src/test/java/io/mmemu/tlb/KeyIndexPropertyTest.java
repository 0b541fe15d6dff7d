package io.mmemu.tlb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link KeyIndex} against a HashMap: any sequence of puts and removes over a small key space
 * (so probe runs collide, wrap around the table's end and are shifted back by removals) leaves
 * every key findable at its entry and every removed key gone.
 */
class KeyIndexPropertyTest {

    @Property(tries = 1000)
    void findsExactlyTheIndexedKeys(@ForAll @IntRange(min = 1, max = 40) int n,
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 63) Integer> ops) {
        long[] keys = new long[n];
        KeyIndex index = new KeyIndex(keys, n);
        Map<Long, Integer> model = new HashMap<>();
        for (int op : ops) {
            long key = TlbArray.makeKey(op, 1, false); // the TLB's key shape: constant low bits
            int entry = op % n;
            Integer holder = model.get(key);
            if (holder != null) {
                index.remove(holder);
                keys[holder] = 0;
                model.remove(key);
            } else if (keys[entry] == 0) {
                keys[entry] = key;
                index.put(entry);
                model.put(key, entry);
            }
            for (int k = 0; k < 64; k++) {
                long probe = TlbArray.makeKey(k, 1, false);
                assertEquals(model.getOrDefault(probe, -1), index.get(probe), "key " + k);
            }
        }
    }
}

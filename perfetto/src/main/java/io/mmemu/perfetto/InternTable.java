package io.mmemu.perfetto;

import java.util.Arrays;
import java.util.HashMap;

/**
 * One of a sequence's interning tables (event names, categories, debug-annotation names or
 * string values): each distinct string gets an iid, 1, 2, 3... in order of first use, and is
 * written once, in the InternedData of the first packet that uses it ("pending" until then).
 * Later packets carry only the iid. Iids follow first use, never the map's iteration order.
 */
final class InternTable {
    private final HashMap<String, Long> iids = new HashMap<>();
    private long nextIid = 1;
    private String[] pendingStrings = new String[8];
    private long[] pendingIids = new long[8];
    private int pending;

    /** The string's iid; a string seen for the first time becomes pending for this packet. */
    long intern(String s) {
        Long known = iids.get(s);
        if (known != null) {
            return known;
        }
        long iid = nextIid++;
        iids.put(s, iid);
        if (pending == pendingIids.length) {
            pendingStrings = Arrays.copyOf(pendingStrings, pending * 2);
            pendingIids = Arrays.copyOf(pendingIids, pending * 2);
        }
        pendingStrings[pending] = s;
        pendingIids[pending] = iid;
        pending++;
        return iid;
    }

    int size() {
        return iids.size();
    }

    int pendingCount() {
        return pending;
    }

    String pendingString(int i) {
        return pendingStrings[i];
    }

    long pendingIid(int i) {
        return pendingIids[i];
    }

    /** The pending entries were written. */
    void clearPending() {
        Arrays.fill(pendingStrings, 0, pending, null);
        pending = 0;
    }

    /** The sequence's incremental state is cleared: iids restart at 1. */
    void reset() {
        iids.clear();
        clearPending();
        nextIid = 1;
    }
}

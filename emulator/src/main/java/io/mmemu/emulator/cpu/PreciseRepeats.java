package io.mmemu.emulator.cpu;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.mmemu.emulator.unicorn.Hooks;
import io.mmemu.emulator.unicorn.NativeLibrary;
import io.mmemu.emulator.unicorn.Uc;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.emulator.unicorn.X86Reg;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.tlb.CpuTlb;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Precise mode's hooks with their commonest cases in native code (native/mmemu_precise.c): the
 * lookups that would hit with nothing to do but count and make their entry the most recently
 * used of its set, which the native side counts itself and Java replays ({@link #replayRecency}).
 *
 * <ul>
 * <li>The code hook: before each instruction, the lookup of its page in the model TLB, in Java
 * ({@code lookup}), except a repeat of the last lookup's hit on the same page while its entry is
 * still there and allows the fetch ({@link CpuTlb#fetchPlainHit}).
 * Before each instruction, the pages fills put in Unicorn's TLB since the last one are flushed
 * ({@link #filled}, {@link #flush}): the native side does it for repeats, Java for the others.
 * So each instruction's first access to a data page reaches the fill hook, Java's
 * ({@code fill}), and is looked up.
 * <li>Data pages on a short list ({@link #listData}), whose lookup would hit an entry of the L1
 * dTLB that allows it ({@link CpuTlb#dataPlainHit}), stay in Unicorn's TLB instead: the memory
 * hook counts one hit per instruction that touches one (by its frame, which no other page maps),
 * and the fill hook answers one natively when Unicorn's TLB lost it. A page stays listed while
 * Java's own lookups leave its set alone, or leave it such a hit.
 * </ul>
 *
 * <p>The owner must {@link #forget} everything whenever anything else reaches the model TLB
 * (every flush, every stop of the engine), {@link #replayRecency} before each of its own lookups,
 * call {@link #listData} after each data fill of its own and {@link #recheckData()} after its
 * other lookups that may reach the L1 dTLB while the engine runs, and hand
 * {@link #takeRepeats} and {@link #takeDataRepeats} to the TLB's counters before they are read.
 */
final class PreciseRepeats {
    /**
     * What a data fill of a page would answer now if its lookup changed nothing but the model
     * TLB's counters and the answer's other effects are already made: the frame ORed with the
     * {@code Uc.PROT_*} bits, or -1.
     */
    @FunctionalInterface
    interface RepeatedFill {
        long answer(long page, int access);
    }

    private static final MemorySegment CODE_HOOK = NativeLibrary.symbol("mmemu_precise_insn");
    private static final MemorySegment FILL_HOOK = NativeLibrary.symbol("mmemu_precise_fill");
    private static final MemorySegment ACCESS_HOOK = NativeLibrary.symbol("mmemu_precise_access");
    private static final MemorySegment FLUSH = NativeLibrary.symbol("mmemu_precise_flush");
    private static final MemorySegment UNLISTED_FLUSH = NativeLibrary.symbol("mmemu_precise_unlisted");
    /** Pages listed for flushing one by one (MMEMU_PRECISE_PAGES); beyond that the whole TLB goes. */
    private static final int PAGES = 8;
    /** Data pages whose repeats are counted natively (MMEMU_PRECISE_DATA), and the bits of their entries (REPEAT_*). */
    private static final int DATA_PAGES = 4;
    private static final long REPEAT_READ = 1, REPEAT_WRITE = 2, DYING = 4;
    // Offsets of struct mmemu_precise (native/mmemu_precise.c), and in each of its data entries.
    private static final long LAST_PAGE = 0, REPEATS = 8, NFILLED = 16, CR3_REG = 20, CR3 = 24, LOOKUP = 32,
            REG_WRITE = 40, PAGE_FLUSHES = 48, FILLED = 56, FILL = 120, DATA_REPEATS = 128, INSN = 136,
            NUNLISTED = 144, NDYING = 148, UNLISTED = 152, TOUCHES = UNLISTED + 2 * DATA_PAGES * 8L,
            FETCH_TOUCHED = TOUCHES + 8, DATA = FETCH_TOUCHED + 8;
    private static final long DATA_ENTRY = 32, ANSWER = 8, LOOKED_UP = 16, TOUCHED = 24;
    /** The native side's own tail: a count and MMEMU_PRECISE_FILLS records of 16 bytes, Java reads none of it. */
    private static final long SIZE = DATA + DATA_PAGES * DATA_ENTRY + 8 + 8 * 16;
    /** LAST_PAGE when no repeat may be counted natively: never a page address. */
    private static final long NO_PAGE = 1;

    private final Unicorn uc;
    private final MemorySegment state;
    private final RepeatedFill repeatedFill;
    private final CpuTlb tlb;
    /** Whether data pages are listed at all: a page leaves the list by a page flush of Unicorn's TLB. */
    private final boolean listsData;
    /** The data pages listed (REPEAT_* in the low bits) and their answers, as the native side has them (not DYING). */
    private final long[] listedPage = new long[DATA_PAGES], listedAnswer = new long[DATA_PAGES];
    /** The L1 dTLB set of each listed page's entry ({@link CpuTlb#dataSetOf}): only a lookup in that set changes it. */
    private final long[] listedSet = new long[DATA_PAGES];
    /** The PCID each listed page was looked up under, for {@link #replayRecency}. */
    private final int[] listedPcid = new int[DATA_PAGES];
    /** How many slots hold a page. */
    private int listed;
    /** The page whose fetch repeats the native side counts (LAST_PAGE), or -1, and its PCID. */
    private long fetchPage = -1;
    private int fetchPcid;
    /** The native side's {@code touches} when {@link #replayRecency} last ran: later repeats are not replayed yet. */
    private long replayed;
    /** {@link #replayRecency}'s work: the repeated entries in the order of their last repeats (the fetch page at index DATA_PAGES). */
    private final long[] replaySeq = new long[DATA_PAGES + 1], replayPage = new long[DATA_PAGES + 1];
    private final int[] replaySlot = new int[DATA_PAGES + 1];

    private PreciseRepeats(Unicorn uc, Hooks.Code lookup, Hooks.TlbFill fill, RepeatedFill repeatedFill, CpuTlb tlb) {
        this.uc = uc;
        this.repeatedFill = repeatedFill;
        this.tlb = tlb;
        listsData = repeatedFill != null && Unicorn.pageFlushes();
        state = Arena.ofAuto().allocate(SIZE, 8);
        state.set(JAVA_LONG, LAST_PAGE, NO_PAGE);
        state.set(JAVA_LONG, REPEATS, 0);
        state.set(JAVA_INT, NFILLED, PAGES + 1); // unknown: the first flush empties everything
        state.set(JAVA_INT, PAGE_FLUSHES, Unicorn.pageFlushes() ? 1 : 0);
        state.set(JAVA_INT, CR3_REG, X86Reg.CR3);
        // Pointers as longs: a first ADDRESS access builds a var handle of its own (5-8 ms cold).
        state.set(JAVA_LONG, LOOKUP, uc.codeCallback(lookup).address());
        state.set(JAVA_LONG, REG_WRITE, Unicorn.regWriteFunction().address());
        state.set(JAVA_LONG, FILL, uc.tlbFillCallback(fill).address());
        state.set(JAVA_LONG, DATA_REPEATS, 0);
    }

    /**
     * Installs precise mode's code, TLB fill and (when data pages are listed) memory hooks in {@code uc}.
     *
     * @param uc           the engine
     * @param lookup       the Java lookup for an instruction at an address (a page other than the last hit's)
     * @param fill         the Java fill hook (a page not listed)
     * @param repeatedFill what data pages are listed by, or null to list none
     * @param tlb          the model TLB, for which pages share a set
     * @return the hooks' state
     */
    static PreciseRepeats attach(Unicorn uc, Hooks.Code lookup, Hooks.TlbFill fill, RepeatedFill repeatedFill,
            CpuTlb tlb) {
        PreciseRepeats p = new PreciseRepeats(uc, lookup, fill, repeatedFill, tlb);
        uc.hookTlbFillNative(FILL_HOOK, p.state);
        uc.hookCodeNative(CODE_HOOK, p.state);
        if (p.listsData) uc.hookDataAccessNative(ACCESS_HOOK, p.state);
        return p;
    }

    /**
     * The lookup of {@code page} just hit, with {@code cr3} loaded: its repeats may be counted
     * natively. Called after {@link #replayRecency}, like everything that changes the list.
     */
    void hit(long page, long cr3) {
        fetchPage = page;
        fetchPcid = tlb.currentPcid();
        state.set(JAVA_LONG, CR3, cr3);
        state.set(JAVA_LONG, LAST_PAGE, page);
    }

    /** {@return the page whose repeated lookups the native side counts, or -1} */
    long page() {
        return fetchPage;
    }

    /** The next fetch lookup goes to Java. */
    void forgetFetch() {
        fetchPage = -1;
        state.set(JAVA_LONG, LAST_PAGE, NO_PAGE);
    }

    /**
     * Gives the model TLB the recency of the repeats counted natively since the last call: each
     * repeated entry made the most recently used of its set once, in the order of its last repeat.
     * Under LRU a run of hits leaves each set as the last hit on each of its entries, in their
     * order, would; so before anything else reaches the model TLB, it is as if each repeat had been
     * Java's lookup.
     */
    void replayRecency() {
        long touches = state.get(JAVA_LONG, TOUCHES);
        if (touches == replayed) return;
        int n = 0;
        for (int i = 0; i < DATA_PAGES; i++) {
            if (listedPage[i] == 0) continue;
            long seq = state.get(JAVA_LONG, DATA + i * DATA_ENTRY + TOUCHED);
            if (seq > replayed) n = addReplay(n, seq, listedPage[i] & -4096L, i);
        }
        long fetchSeq = state.get(JAVA_LONG, FETCH_TOUCHED);
        if (fetchPage != -1 && fetchSeq > replayed) n = addReplay(n, fetchSeq, fetchPage, DATA_PAGES);
        for (int k = 0; k < n; k++) {
            int slot = replaySlot[k];
            if (slot == DATA_PAGES) tlb.touchFetch(replayPage[k], fetchPcid);
            else tlb.touchData(replayPage[k], listedPcid[slot]);
        }
        replayed = touches;
    }

    /** Inserts a repeated entry into the first {@code n} of the replay, kept in order; returns the new count. */
    private int addReplay(int n, long seq, long page, int slot) {
        int k = n;
        while (k > 0 && replaySeq[k - 1] > seq) {
            replaySeq[k] = replaySeq[k - 1];
            replayPage[k] = replayPage[k - 1];
            replaySlot[k] = replaySlot[k - 1];
            k--;
        }
        replaySeq[k] = seq;
        replayPage[k] = page;
        replaySlot[k] = slot;
        return n + 1;
    }

    /** Something else reached the model TLB: the next lookups, fetch and data, go to Java. */
    void forget() {
        replayRecency();
        forgetFetch();
        if (listed == 0) return;
        for (int i = 0; i < DATA_PAGES; i++) {
            if (listedPage[i] != 0) unlist(i);
        }
        uc.callNative(UNLISTED_FLUSH, state);
    }

    /** {@return the repeated fetch hits counted natively since the last call, and forgets them} */
    long takeRepeats() {
        long n = state.get(JAVA_LONG, REPEATS);
        if (n != 0) state.set(JAVA_LONG, REPEATS, 0);
        return n;
    }

    /** {@return the data lookups of listed pages counted natively since the last call (each a hit), and forgets them} */
    long takeDataRepeats() {
        long n = state.get(JAVA_LONG, DATA_REPEATS);
        if (n != 0) state.set(JAVA_LONG, DATA_REPEATS, 0);
        return n;
    }

    /**
     * After a data fill of {@code page} by Java, which touched nothing but that page's sets in the
     * model TLB unless it handled a fault: keeps the listed pages that share no L1 dTLB set with it
     * (when no fault was handled) or whose repeated fill still answers the same, and lists
     * {@code page} when its repeats would only count hits (in its own slot, a free one, or that of
     * the listed page an instruction touched longest ago); a listed {@code page} whose repeats no
     * longer would is dropped.
     *
     * @param page    the page just filled
     * @param faulted whether the fill handled a fault, which may have changed any page's mapping
     */
    void listData(long page, boolean faulted) {
        recheckData(page, faulted);
    }

    /** After a lookup of Java's that may have changed anything: keeps the listed data pages whose repeated fill still answers the same. */
    void recheckData() {
        recheckData(-1, true);
    }

    /** {@link #listData} of {@code page}, or with -1 {@link #recheckData()}. */
    private void recheckData(long page, boolean everySet) {
        replayRecency(); // before a page leaves the list
        if (listed == 0 && page == -1) return;
        long set = page == -1 ? -1 : tlb.dataSetOf(page);
        // A page whose set is unknown may share one with any listed page.
        everySet |= set == -1;
        int slot = -1; // page's own, else a free one
        for (int i = 0; i < DATA_PAGES; i++) {
            long entry = listedPage[i];
            if (entry == 0) {
                if (slot < 0 && state.get(JAVA_LONG, DATA + i * DATA_ENTRY) == 0) slot = i; // not DYING
                continue;
            }
            long p = entry & -4096L;
            if (p == page) {
                slot = i; // listed again below, or dropped
                continue;
            }
            if (!everySet && listedSet[i] != set) continue; // the lookup touched another set
            if (repeatedFill.answer(p, Access.READ) != listedAnswer[i]) unlist(i);
        }
        if (page == -1 || !listsData) return;
        long answer = repeatedFill.answer(page, Access.READ);
        boolean writes = answer != -1 && repeatedFill.answer(page, Access.WRITE) == answer;
        // Unicorn writes through a listed page's entry without asking: it must allow only what repeats.
        // Without a known set, no later lookup could tell whether it changed the page's.
        boolean listable = set != -1 && answer != -1 && ((answer & Uc.PROT_WRITE) == 0 || writes);
        if (slot >= 0 && (listedPage[slot] & -4096L) == page) {
            if (!listable) {
                unlist(slot);
                return;
            }
        } else {
            if (!listable) return;
            if (slot < 0) slot = leastRecentlyLookedUp();
            if (slot < 0) return;
            if (listedPage[slot] != 0) unlist(slot);
            listed++;
        }
        long base = DATA + slot * DATA_ENTRY;
        listedPage[slot] = page | REPEAT_READ | (writes ? REPEAT_WRITE : 0);
        listedAnswer[slot] = answer;
        listedSet[slot] = set;
        listedPcid[slot] = tlb.currentPcid();
        state.set(JAVA_LONG, base + LOOKED_UP, state.get(JAVA_LONG, INSN)); // this instruction's lookup was Java's
        state.set(JAVA_LONG, base + TOUCHED, 0); // nothing to replay
        state.set(JAVA_LONG, base + ANSWER, answer);
        state.set(JAVA_LONG, base, listedPage[slot]);
    }

    /** {@return the listed slot whose page an instruction touched longest ago, or -1} */
    private int leastRecentlyLookedUp() {
        int lru = -1;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < DATA_PAGES; i++) {
            if (listedPage[i] == 0) continue;
            long t = state.get(JAVA_LONG, DATA + i * DATA_ENTRY + LOOKED_UP);
            if (t < oldest) {
                oldest = t;
                lru = i;
            }
        }
        return lru;
    }

    /**
     * Drops slot {@code i}'s page from the list. It leaves Unicorn's TLB once Java returns to the
     * native hook, so that its next access reaches the fill hook again; or, when this instruction
     * looked it up already, once the instruction ends (DYING), as any page filled in it would.
     */
    private void unlist(int i) {
        long page = listedPage[i] & -4096L;
        long base = DATA + i * DATA_ENTRY;
        listedPage[i] = 0;
        listed--;
        if (state.get(JAVA_LONG, base + LOOKED_UP) == state.get(JAVA_LONG, INSN)) {
            state.set(JAVA_LONG, base, state.get(JAVA_LONG, base) | DYING);
            state.set(JAVA_INT, NDYING, state.get(JAVA_INT, NDYING) + 1);
            return;
        }
        state.set(JAVA_LONG, base, 0);
        int n = state.get(JAVA_INT, NUNLISTED);
        if (n == 2 * DATA_PAGES) { // cannot happen: each slot goes once between two flushes
            uc.callNative(UNLISTED_FLUSH, state);
            n = 0;
        }
        state.set(JAVA_LONG, UNLISTED + n * 8L, page);
        state.set(JAVA_INT, NUNLISTED, n + 1);
    }

    /** A fill may have put page {@code page} in Unicorn's TLB. */
    void filled(long page) {
        int n = state.get(JAVA_INT, NFILLED);
        if (n > PAGES) return; // too many to list already
        if (n < PAGES) state.set(JAVA_LONG, FILLED + n * 8L, page);
        state.set(JAVA_INT, NFILLED, n + 1);
    }

    /** Unicorn's TLB was emptied: no page to flush. */
    void emptied() {
        state.set(JAVA_INT, NFILLED, 0);
    }

    /**
     * Empties Unicorn's TLB of what fills put there since the last time: those pages one by one,
     * or everything (a write of {@code cr3}) when there were too many or page flushes do not work.
     */
    void flush(long cr3) {
        if (state.get(JAVA_INT, NFILLED) == 0) return;
        state.set(JAVA_LONG, CR3, cr3);
        uc.callNative(FLUSH, state);
    }
}

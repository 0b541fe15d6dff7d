package io.mmemu.mm.pgtable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.phys.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hardware walk against the SDM (vol. 3A, 4.5-4.7): entries are built by hand in guest
 * memory, one chain PML4 → PDPT → PD → PT → page for {@link #VA}, and each case changes some
 * entries or control bits, then walks once. A failing case prints the chain's entries.
 */
class PageWalkerTest {
    /** A user address whose four indices are all different and non-zero. */
    static final long VA = 0x0000_7f12_3456_7abcL;
    /** The flags every entry of the chain starts with: present, writable, user; A and D clear. */
    static final long PRW_US = Pte.P | Pte.RW | Pte.US;

    static final int R = Access.READ, W = Access.WRITE, X = Access.FETCH;
    static final int PROT = PfErr.PROT, WR = PfErr.WRITE, U = PfErr.USER, RSVD = PfErr.RSVD, I = PfErr.INSTR,
            PK = PfErr.PK;
    static final int RD = WalkResult.PROT_READ, WRT = WalkResult.PROT_WRITE, EX = WalkResult.PROT_EXEC;
    static final Level[] LEVELS = Level.values();

    PhysicalMemory mem;
    PageAllocator allocator;
    PageWalker walker;
    PagingControl ctl;
    /** Frames of the PML4, PDPT, PD and PT of the chain, and the data page. */
    long[] tablePfn = new long[4];
    long dataPfn;

    @BeforeEach
    void setUp() {
        mem = PhysicalMemory.reserve(16L << 20);
        allocator = new PageAllocator(mem.nrPages(), 1);
        walker = new PageWalker(mem);
        ctl = new PagingControl();
        for (int i = 0; i < 4; i++) tablePfn[i] = allocZeroed();
        dataPfn = allocZeroed();
        for (Level l : LEVELS) set(l, PRW_US);
    }

    @AfterEach
    void tearDown() {
        mem.close();
    }

    private long allocZeroed() {
        long pfn = allocator.allocPages(0);
        mem.clearPage(pfn);
        return pfn;
    }

    long cr3() {
        return tablePfn[0] << 12;
    }

    long entryPa(Level l) {
        return (tablePfn[l.ordinal()] << 12) + 8L * l.index(VA);
    }

    long entry(Level l) {
        return mem.getLong(entryPa(l));
    }

    /** Points {@code l}'s entry at the next table (or the data page) with {@code flags}. */
    void set(Level l, long flags) {
        long target = l == Level.PT ? dataPfn : tablePfn[l.ordinal() + 1];
        mem.putLong(entryPa(l), Pte.make(target, flags));
    }

    void setRaw(Level l, long value) {
        mem.putLong(entryPa(l), value);
    }

    void clearBits(Level l, long bits) {
        setRaw(l, entry(l) & ~bits);
    }

    void setBits(Level l, long bits) {
        setRaw(l, entry(l) | bits);
    }

    String dump() {
        StringBuilder sb = new StringBuilder("walk of 0x" + Long.toHexString(VA) + " from CR3 0x" + Long.toHexString(cr3())
                + " (WP=" + ctl.wp + " NXE=" + ctl.nxe + " PKE=" + ctl.pke + " PKRU=0x" + Integer.toHexString(ctl.pkru)
                + " MAXPHYADDR=" + ctl.maxPhysAddrBits + ")\n");
        for (Level l : LEVELS) {
            long e = entry(l);
            sb.append(String.format("  %-4s [%3d] @0x%08x = 0x%016x %s%n", l, l.index(VA), entryPa(l), e, Pte.describe(e)));
            if (l != Level.PT && (e & Pte.PS) != 0) break;
        }
        return sb.toString();
    }

    static String describe(long r) {
        if (WalkResult.isFault(r)) return "#PF " + PfErr.describe(WalkResult.errorCode(r));
        return String.format("ok pa=0x%x prot=%d size=%d", WalkResult.pagePa(r), WalkResult.prot(r), WalkResult.sizeCode(r));
    }

    // ------------------------------------------------------------------ the table

    /** What a case expects: a fault with an exact error code, or a translation with exact rights. */
    record Expect(boolean fault, int value) {
        static Expect fault(int code) {
            return new Expect(true, code);
        }

        static Expect ok(int prot) {
            return new Expect(false, prot);
        }

        @Override
        public String toString() {
            return fault ? "#PF " + PfErr.describe(value) : "ok prot=" + value;
        }
    }

    /** One case: a change to the default chain/control bits, an access, and what must come of it. */
    record Case(String name, BiConsumer<PageWalkerTest, PagingControl> setup, int access, boolean user, Expect expect) {
        @Override
        public String toString() {
            return name + ": " + (user ? "user " : "supervisor ") + Access.name(access) + " -> " + expect;
        }
    }

    static int accessBits(int access, boolean user) {
        return (access == W ? WR : 0) | (user ? U : 0) | (access == X ? I : 0);
    }

    static Stream<Arguments> cases() {
        List<Case> cs = new ArrayList<>();
        int[] accesses = {R, W, X};
        boolean[] modes = {true, false};
        // Clean, fully permissive chain: reads are read+exec only (D clear), writes get write.
        for (boolean user : modes) {
            cs.add(new Case("all permissive", (t, c) -> {}, R, user, Expect.ok(RD | EX)));
            cs.add(new Case("all permissive", (t, c) -> {}, W, user, Expect.ok(RD | WRT | EX)));
            cs.add(new Case("all permissive", (t, c) -> {}, X, user, Expect.ok(RD | EX)));
        }
        for (Level l : LEVELS) {
            for (boolean user : modes) {
                for (int a : accesses) {
                    // Not present: no PROT, W/U/I describe the access.
                    cs.add(new Case("P clear at " + l, (t, c) -> t.clearBits(l, Pte.P), a, user,
                            Expect.fault(accessBits(a, user))));
                    // NXE off: bit 63 is reserved at every level.
                    cs.add(new Case("NX with NXE off at " + l, (t, c) -> {
                        c.nxe = false;
                        t.setBits(l, Pte.NX);
                    }, a, user, Expect.fault(PROT | RSVD | (a == W ? WR : 0) | (user ? U : 0))));
                    // Physical-address bits at or above MAXPHYADDR are reserved.
                    cs.add(new Case("address bit 46 at " + l, (t, c) -> t.setBits(l, 1L << 46), a, user,
                            Expect.fault(PROT | RSVD | accessBits(a, user))));
                    cs.add(new Case("address bit 51 at " + l, (t, c) -> t.setBits(l, 1L << 51), a, user,
                            Expect.fault(PROT | RSVD | accessBits(a, user))));
                    cs.add(new Case("address bit 40 with MAXPHYADDR 40 at " + l, (t, c) -> {
                        c.maxPhysAddrBits = 40;
                        t.setBits(l, 1L << 40);
                    }, a, user, Expect.fault(PROT | RSVD | accessBits(a, user))));
                }
                // RW clear at any level: writes fault (supervisor ones only under CR0.WP).
                cs.add(new Case("RW clear at " + l, (t, c) -> t.clearBits(l, Pte.RW), W, user,
                        Expect.fault(PROT | WR | (user ? U : 0))));
                cs.add(new Case("RW clear at " + l, (t, c) -> t.clearBits(l, Pte.RW), R, user, Expect.ok(RD | EX)));
                cs.add(new Case("RW clear at " + l, (t, c) -> t.clearBits(l, Pte.RW), X, user, Expect.ok(RD | EX)));
                // NX at any level: fetches fault with I; data accesses lose only EXEC.
                cs.add(new Case("NX at " + l, (t, c) -> t.setBits(l, Pte.NX), X, user,
                        Expect.fault(PROT | I | (user ? U : 0))));
                cs.add(new Case("NX at " + l, (t, c) -> t.setBits(l, Pte.NX), R, user, Expect.ok(RD)));
                cs.add(new Case("NX at " + l, (t, c) -> t.setBits(l, Pte.NX), W, user, Expect.ok(RD | WRT)));
            }
            cs.add(new Case("RW clear, CR0.WP off at " + l, (t, c) -> {
                c.wp = false;
                t.clearBits(l, Pte.RW);
            }, W, false, Expect.ok(RD | WRT | EX)));
            cs.add(new Case("RW clear, CR0.WP off at " + l, (t, c) -> {
                c.wp = false;
                t.clearBits(l, Pte.RW);
            }, W, true, Expect.fault(PROT | WR | U)));
            // US clear at any level: user accesses fault, supervisor ones do not (no SMEP/SMAP model).
            for (int a : accesses) {
                cs.add(new Case("US clear at " + l, (t, c) -> t.clearBits(l, Pte.US), a, true,
                        Expect.fault(PROT | U | (a == W ? WR : 0) | (a == X ? I : 0))));
            }
            cs.add(new Case("US clear at " + l, (t, c) -> t.clearBits(l, Pte.US), R, false, Expect.ok(RD | EX)));
            cs.add(new Case("US clear at " + l, (t, c) -> t.clearBits(l, Pte.US), W, false, Expect.ok(RD | WRT | EX)));
            // NX with NXE off is not an execute-disable: a clean chain fetches fine.
            cs.add(new Case("NXE off, NX clear at " + l, (t, c) -> c.nxe = false, X, true, Expect.ok(RD | EX)));
        }
        // PS is reserved in a PML4 entry.
        for (int a : accesses) {
            cs.add(new Case("PS at PML4", (t, c) -> t.setBits(Level.PML4, Pte.PS), a, true,
                    Expect.fault(PROT | RSVD | accessBits(a, true))));
        }
        // A not-present fault with NXE off: the I flag needs NXE (or SMEP, not modelled), SDM 4.7.
        cs.add(new Case("P clear, NXE off", (t, c) -> {
            c.nxe = false;
            t.clearBits(Level.PT, Pte.P);
        }, X, true, Expect.fault(U)));
        // Protection keys: key 5 in the leaf.
        int ad5 = 1 << 10, wd5 = 1 << 11;
        BiConsumer<PageWalkerTest, PagingControl> key5 = (t, c) -> t.setBits(Level.PT, 5L << Pte.PKEY_SHIFT);
        cs.add(new Case("PKRU AD for key 5", key5.andThen((t, c) -> c.pkru = ad5), R, true, Expect.fault(PROT | U | PK)));
        cs.add(new Case("PKRU AD for key 5", key5.andThen((t, c) -> c.pkru = ad5), W, true,
                Expect.fault(PROT | WR | U | PK)));
        cs.add(new Case("PKRU AD for key 5", key5.andThen((t, c) -> c.pkru = ad5), X, true, Expect.ok(EX)));
        cs.add(new Case("PKRU WD for key 5", key5.andThen((t, c) -> c.pkru = wd5), R, true, Expect.ok(RD | EX)));
        cs.add(new Case("PKRU WD for key 5", key5.andThen((t, c) -> c.pkru = wd5), W, true,
                Expect.fault(PROT | WR | U | PK)));
        cs.add(new Case("PKRU WD for key 5", key5.andThen((t, c) -> c.pkru = wd5), X, true, Expect.ok(RD | EX)));
        cs.add(new Case("PKRU AD+WD for key 0 only", key5.andThen((t, c) -> c.pkru = 3), W, true,
                Expect.ok(RD | WRT | EX)));
        // Supervisor data accesses to user pages honour PKRU too (SDM 4.6.1); WD only under CR0.WP.
        cs.add(new Case("PKRU AD for key 5", key5.andThen((t, c) -> c.pkru = ad5), R, false, Expect.fault(PROT | PK)));
        cs.add(new Case("PKRU WD for key 5", key5.andThen((t, c) -> c.pkru = wd5), W, false,
                Expect.fault(PROT | WR | PK)));
        cs.add(new Case("PKRU WD for key 5, CR0.WP off", key5.andThen((t, c) -> {
            c.pkru = wd5;
            c.wp = false;
        }), W, false, Expect.ok(RD | WRT | EX)));
        // Keys apply only to user-mode addresses (US at every level) and only with CR4.PKE.
        for (Level l : LEVELS) {
            cs.add(new Case("PKRU AD, US clear at " + l, key5.andThen((t, c) -> {
                c.pkru = ad5;
                t.clearBits(l, Pte.US);
            }), R, false, Expect.ok(RD | EX)));
            cs.add(new Case("PKRU AD, US clear at " + l, key5.andThen((t, c) -> {
                c.pkru = ad5;
                t.clearBits(l, Pte.US);
            }), W, false, Expect.ok(RD | WRT | EX)));
        }
        cs.add(new Case("PKRU AD for key 5, CR4.PKE off", key5.andThen((t, c) -> {
            c.pkru = ad5;
            c.pke = false;
        }), W, true, Expect.ok(RD | WRT | EX)));
        // The leaf's key, not an intermediate entry's bits 59..62, selects the PKRU field.
        cs.add(new Case("key bits in the PD entry only", (t, c) -> {
            t.setBits(Level.PD, 5L << Pte.PKEY_SHIFT);
            c.pkru = ad5;
        }, R, true, Expect.ok(RD | EX)));
        return cs.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void walk(Case c) {
        c.setup().accept(this, ctl);
        String before = dump();
        long r = walker.walk(cr3(), VA, c.access(), c.user(), ctl);
        String msg = c + "\n got " + describe(r) + "\n" + before;
        if (c.expect().fault()) {
            assertTrue(WalkResult.isFault(r), msg);
            assertEquals(c.expect().value(), WalkResult.errorCode(r), msg);
        } else {
            assertFalse(WalkResult.isFault(r), msg);
            assertEquals(c.expect().value(), WalkResult.prot(r), msg);
            assertEquals(dataPfn << 12, WalkResult.pagePa(r), msg);
            assertEquals(0, WalkResult.sizeCode(r), msg);
        }
    }

    /** Regression: fetch faults carried I/D even with EFER.NXE off, where the SDM (4.7) reports it clear. */
    @Test
    void fetchFaultWithNxeOffHasNoInstructionFlag() {
        ctl.nxe = false;
        clearBits(Level.PT, Pte.P);
        long notPresent = walker.walk(cr3(), VA, X, true, ctl);
        assertEquals(U, WalkResult.errorCode(notPresent), describe(notPresent) + "\n" + dump());
        set(Level.PT, PRW_US | Pte.NX);
        long reserved = walker.walk(cr3(), VA, X, true, ctl);
        assertEquals(PROT | RSVD | U, WalkResult.errorCode(reserved), describe(reserved) + "\n" + dump());
        ctl.nxe = true;
        long nx = walker.walk(cr3(), VA, X, true, ctl);
        assertEquals(PROT | U | I, WalkResult.errorCode(nx), describe(nx) + "\n" + dump());
    }

    // ------------------------------------------------------------------ accessed and dirty

    @Test
    void readSetsAccessedOnEveryLevelAndDirtyNowhere() {
        long r = walker.walk(cr3(), VA, R, true, ctl);
        assertFalse(WalkResult.isFault(r), dump());
        for (Level l : LEVELS) {
            assertTrue((entry(l) & Pte.A) != 0, "A not set at " + l + "\n" + dump());
            assertEquals(0, entry(l) & Pte.D, "D set at " + l + " by a read\n" + dump());
        }
    }

    @Test
    void writeSetsDirtyOnlyInTheLeaf() {
        long r = walker.walk(cr3(), VA, W, true, ctl);
        assertFalse(WalkResult.isFault(r), dump());
        for (Level l : LEVELS) {
            assertTrue((entry(l) & Pte.A) != 0, "A not set at " + l + "\n" + dump());
            assertEquals(l == Level.PT, (entry(l) & Pte.D) != 0, "D at " + l + "\n" + dump());
        }
    }

    @Test
    void writeRightAppearsOnlyOnceTheLeafIsDirty() {
        long clean = walker.walk(cr3(), VA, R, true, ctl);
        assertEquals(RD | EX, WalkResult.prot(clean), "a read of a clean writable page must not grant write\n" + dump());
        long write = walker.walk(cr3(), VA, W, true, ctl);
        assertEquals(RD | WRT | EX, WalkResult.prot(write), dump());
        long dirtyRead = walker.walk(cr3(), VA, R, true, ctl);
        assertEquals(RD | WRT | EX, WalkResult.prot(dirtyRead), "a read of a dirty writable page grants write\n" + dump());
    }

    @Test
    void failedWalkChangesNoLeaf() {
        clearBits(Level.PT, Pte.RW);
        long leafBefore = entry(Level.PT);
        long r = walker.walk(cr3(), VA, W, true, ctl);
        assertTrue(WalkResult.isFault(r), dump());
        assertEquals(leafBefore, entry(Level.PT), "a faulting write must not set A/D in the leaf\n" + dump());
    }

    @Test
    void globalBitIsReported() {
        setBits(Level.PT, Pte.G);
        long r = walker.walk(cr3(), VA, R, true, ctl);
        assertTrue(WalkResult.global(r), describe(r) + "\n" + dump());
        clearBits(Level.PT, Pte.G);
        assertFalse(WalkResult.global(walker.walk(cr3(), VA, R, true, ctl)), dump());
    }

    // ------------------------------------------------------------------ large pages

    /** Large-page cases: the level holding PS, the physical base, and the expected translation. */
    static Stream<Arguments> largePages() {
        long twoMiB = 2L << 20, oneGiB = 1L << 30;
        long subPage2M = VA & (twoMiB - 1) & ~0xfffL;
        long subPage1G = VA & (oneGiB - 1) & ~0xfffL;
        return Stream.of(
                Arguments.of("2 MiB", Level.PD, 4 * twoMiB, 0L, false, 4 * twoMiB + subPage2M, 1),
                Arguments.of("2 MiB with PAT (bit 12)", Level.PD, 4 * twoMiB, Pte.PAT_LARGE, false, 4 * twoMiB + subPage2M, 1),
                Arguments.of("2 MiB, address bit 13 set", Level.PD, 4 * twoMiB, 1L << 13, true, 0L, 0),
                Arguments.of("2 MiB, address bit 20 set", Level.PD, 4 * twoMiB, 1L << 20, true, 0L, 0),
                Arguments.of("1 GiB", Level.PDPT, 3 * oneGiB, 0L, false, 3 * oneGiB + subPage1G, 2),
                Arguments.of("1 GiB with PAT (bit 12)", Level.PDPT, 3 * oneGiB, Pte.PAT_LARGE, false, 3 * oneGiB + subPage1G, 2),
                Arguments.of("1 GiB, address bit 21 set", Level.PDPT, 3 * oneGiB, 1L << 21, true, 0L, 0),
                Arguments.of("1 GiB, address bit 29 set", Level.PDPT, 3 * oneGiB, 1L << 29, true, 0L, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void largePages(String name, Level level, long base, long extraBits, boolean rsvd, long expectedPa, int sizeCode) {
        setRaw(level, base | extraBits | PRW_US | Pte.PS);
        long r = walker.walk(cr3(), VA, W, true, ctl);
        String msg = name + ": got " + describe(r) + "\n" + dump();
        if (rsvd) {
            assertTrue(WalkResult.isFault(r), msg);
            assertEquals(PROT | RSVD | WR | U, WalkResult.errorCode(r), msg);
            return;
        }
        assertFalse(WalkResult.isFault(r), msg);
        assertEquals(expectedPa, WalkResult.pagePa(r), msg);
        assertEquals(sizeCode, WalkResult.sizeCode(r), msg);
        assertEquals(RD | WRT | EX, WalkResult.prot(r), msg);
        // A on every entry used, D in the large leaf; the entries below it were not used.
        for (Level l : LEVELS) {
            if (l.ordinal() > level.ordinal()) break;
            assertTrue((entry(l) & Pte.A) != 0, "A not set at " + l + "\n" + dump());
        }
        assertTrue((entry(level) & Pte.D) != 0, "D not set in the large leaf\n" + dump());
        assertEquals(extraBits, entry(level) & Pte.PAT_LARGE, "the PAT bit must survive\n" + dump());
    }

    @Test
    void twoMiBPageEveryFourKSubPage() {
        long base = allocator.allocPages(9) << 12;
        assertEquals(0, base & ((2L << 20) - 1), "order-9 block must be 2 MiB aligned");
        setRaw(Level.PD, base | PRW_US | Pte.PS);
        long va2m = VA & ~((2L << 20) - 1);
        for (int i = 0; i < 512; i += 37) {
            long r = walker.walk(cr3(), va2m + ((long) i << 12) + 0x10, R, true, ctl);
            assertEquals(base + ((long) i << 12), WalkResult.pagePa(r), "sub-page " + i + ": " + describe(r) + "\n" + dump());
        }
    }

    // ------------------------------------------------------------------ beyond RAM

    @Test
    void tablePointerBeyondRamFaultsWithRsvd() {
        setRaw(Level.PML4, (1L << 30) | PRW_US); // the PDPT would be at 1 GiB, RAM is 16 MiB
        long r = walker.walk(cr3(), VA, R, true, ctl);
        assertTrue(WalkResult.isFault(r), describe(r) + "\n" + dump());
        assertEquals(PROT | RSVD | U, WalkResult.errorCode(r), dump());
    }

    @Test
    void cr3BeyondRamFaultsWithRsvd() {
        long r = walker.walk(mem.size(), VA, X, true, ctl);
        assertTrue(WalkResult.isFault(r), describe(r));
        assertEquals(PROT | RSVD | U | I, WalkResult.errorCode(r));
    }

    @Test
    void lastTableOfRamIsStillReadable() {
        // A PT in the very last frame of RAM: its entries are within RAM and must be read, not treated as absent.
        long lastPfn = mem.nrPages() - 1;
        mem.clearPage(lastPfn);
        setRaw(Level.PD, Pte.make(lastPfn, PRW_US));
        mem.putLong((lastPfn << 12) + 8L * Level.PT.index(VA), Pte.make(dataPfn, PRW_US));
        long r = walker.walk(cr3(), VA, R, true, ctl);
        assertFalse(WalkResult.isFault(r), describe(r));
        assertEquals(dataPfn << 12, WalkResult.pagePa(r));
        assertNotEquals(0, mem.getLong((lastPfn << 12) + 8L * Level.PT.index(VA)) & Pte.A);
    }
}

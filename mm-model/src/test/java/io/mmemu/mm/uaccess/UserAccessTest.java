package io.mmemu.mm.uaccess;

import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UserAccessTest {
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final int RO = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    /** Two writable pages, then a hole, then a read-only page. */
    static final long BUF = 0x2000_0000L, HOLE = BUF + 0x2000, RO_PAGE = BUF + 0x3000;

    MmEnv env;
    MmStruct mm;
    UserAccess ua;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
        mm = MmStruct.mmAlloc(env);
        ua = new UserAccess(env);
        mm.mmapRegion(BUF, 0x2000, RW, null, 0, null);
        mm.mmapRegion(RO_PAGE, 0x1000, RO, null, 0, null);
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    long pfnOf(long va) {
        long slot = mm.pgd().leafSlot(va);
        return slot == PageTable.NO_SLOT ? -1 : Pte.pfn(mm.pgd().get(slot));
    }

    static byte[] pattern(int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) (0x40 + i);
        return b;
    }

    @Test
    void copyAcrossAPageBoundary() {
        long va = BUF + 0x1000 - 7;
        byte[] src = pattern(20);
        assertEquals(0, ua.copyToUser(mm, va, src, 0, src.length), mm.maps());
        assertEquals(2, mm.rss(RssStat.MM_ANONPAGES), "both pages faulted in for writing");
        long p0 = pfnOf(BUF), p1 = pfnOf(BUF + 0x1000);
        assertNotEquals(p0, p1);
        // The bytes are in the two frames where the translation says.
        assertEquals(src[0], env.mem().getByte((p0 << 12) + 0xff9));
        assertEquals(src[6], env.mem().getByte((p0 << 12) + 0xfff));
        assertEquals(src[7], env.mem().getByte(p1 << 12));
        assertEquals(src[19], env.mem().getByte((p1 << 12) + 12));
        byte[] back = new byte[24];
        assertEquals(0, ua.copyFromUser(mm, back, 2, va, 20));
        byte[] expected = new byte[24];
        System.arraycopy(src, 0, expected, 2, 20);
        assertArrayEquals(expected, back);
    }

    @Test
    void copyFromUntouchedMemoryReadsZeroAndAllocatesNothing() {
        byte[] back = pattern(0x1800);
        assertEquals(0, ua.copyFromUser(mm, back, 0, BUF + 0x400, back.length));
        assertArrayEquals(new byte[0x1800], back);
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES), "reads map the zero page");
        assertEquals(env.zeroPfn(), pfnOf(BUF));
        assertEquals(env.zeroPfn(), pfnOf(BUF + 0x1000));
    }

    @Test
    void copyToUserBreaksTheZeroPage() {
        assertEquals(0, ua.copyFromUser(mm, new byte[8], 0, BUF, 8));
        assertEquals(env.zeroPfn(), pfnOf(BUF));
        assertEquals(0, ua.putUserLong(mm, BUF, 0x1122_3344_5566_7788L));
        assertNotEquals(env.zeroPfn(), pfnOf(BUF));
        assertEquals(0x1122_3344_5566_7788L, ua.getUserLong(mm, BUF, -1));
        assertEquals(0, env.mem().getLong(env.zeroPfn() << 12), "the zero page must stay zero");
    }

    @ParameterizedTest(name = "copy of {1} bytes at 0x{0}: EFAULT")
    @CsvSource({
        "20002000, 1", // the hole
        "20001ffc, 8", // runs from a writable page into the hole
        "10000000, 4", // nowhere near a VMA
        "7ffffffff000, 1", // TASK_SIZE
        "ffff800000000000, 8" // kernel half
    })
    void badPointersFault(String vaHex, int len) {
        long va = Long.parseUnsignedLong(vaHex, 16);
        assertEquals(-Errno.EFAULT, ua.copyFromUser(mm, new byte[len], 0, va, len), mm.maps());
        assertEquals(-Errno.EFAULT, ua.copyToUser(mm, va, new byte[len], 0, len), mm.maps());
        assertEquals(-Errno.EFAULT, ua.clearUser(mm, va, len));
        assertEquals(-7L, ua.getUserLong(mm, va, -7L));
    }

    @Test
    void copyToReadOnlyVmaFaultsButReadingItWorks() {
        assertEquals(-Errno.EFAULT, ua.copyToUser(mm, RO_PAGE, new byte[] {1}, 0, 1), mm.maps());
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
        byte[] b = {9, 9};
        assertEquals(0, ua.copyFromUser(mm, b, 0, RO_PAGE + 0xffe, 2));
        assertArrayEquals(new byte[2], b);
        // With the page now mapped (zero page, read-only), a write is still refused.
        assertEquals(-Errno.EFAULT, ua.putUserLong(mm, RO_PAGE, 1));
        assertEquals(env.zeroPfn(), pfnOf(RO_PAGE));
    }

    void put(long va, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        assertEquals(0, ua.copyToUser(mm, va, b, 0, b.length));
    }

    @ParameterizedTest(name = "\"{1}\" at page offset 0x{0}, max {2} -> {3}")
    @CsvSource({
        "0, 'hello\0', 64, hello",
        "0, '\0', 64, ''",
        "ffa, 'crosses-the-boundary\0', 64, crosses-the-boundary", // string spans two pages
        "0, 'exactly\0', 8, exactly", // NUL at index max-1
        "0, 'toolong\0', 7, NULL", // NUL at index max: not within max
        "0, 'no-nul-here', 5, NULL"
    })
    void strncpyFromUser(String offHex, String s, int max, String expected) {
        long va = BUF + Long.parseLong(offHex, 16);
        put(va, s);
        byte[] got = ua.strncpyFromUser(mm, va, max);
        if (expected.equals("NULL")) {
            assertNull(got, () -> "got \"" + new String(got, StandardCharsets.US_ASCII) + "\"");
        } else {
            assertArrayEquals(expected.getBytes(StandardCharsets.US_ASCII), got);
        }
    }

    @Test
    void strncpyFromUserFaultsWhenTheStringRunsIntoAHole() {
        put(HOLE - 4, "abcd");
        assertNull(ua.strncpyFromUser(mm, HOLE - 4, 64));
        assertNull(ua.strncpyFromUser(mm, HOLE, 64));
        // But a NUL before the hole ends it in time.
        put(HOLE - 4, "abc\0");
        assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), ua.strncpyFromUser(mm, HOLE - 4, 64));
    }
}

package io.mmemu.mm.vma;

import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.uaccess.UserAccess;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * sys_mincore()'s checks in the kernel's order and its rounds of one page of vector, with a
 * recording vector sink; the expected results are the host's (test-programs' mm-mincore-huge).
 */
class MincoreTest {
    static final long PAGE = PageTypes.PAGE_SIZE;
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final int NONE = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    /** Four read-write pages, then a hole. */
    static final long BASE = 0x3d00_0000_0000L;
    /** 4098 PROT_NONE pages: two rounds. */
    static final long BIG = 0x3e00_0000_0000L, BIG_PAGES = Mincore.ROUND_PAGES + 2;

    MmEnv env;
    MmStruct mm;
    UserAccess ua;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
        mm = MmStruct.mmAlloc(env);
        assertNotNull(mm);
        ua = new UserAccess(env);
        assertEquals(BASE, mm.mmapRegion(BASE, 4 * PAGE, RW, null, 0, null));
        assertEquals(BIG, mm.mmapRegion(BIG, BIG_PAGES * PAGE, NONE, null, 0, null));
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    /** Records each round's copy; fails the copies from {@code failFrom} on (-1: none fails). */
    static final class Rounds implements Mincore.VectorSink {
        final List<String> copies = new ArrayList<>();
        final int failFrom;

        Rounds(int failFrom) {
            this.failFrom = failFrom;
        }

        @Override
        public int copyToUser(long uaddr, byte[] src, int len) {
            if (len > src.length) throw new AssertionError("copy of " + len + " from a buffer of " + src.length);
            copies.add("0x" + Long.toHexString(uaddr) + "+" + len);
            return failFrom >= 0 && copies.size() > failFrom ? -Errno.EFAULT : 0;
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        # what                                      | start            | len               | vec              | fail from | result  | copies
        the issue's call: huge length, stack vector | 0                | 0x7f17d2de6000    | 0x7ffffffde000   | -1        | -EFAULT | ''
        huge length, vector low in memory           | 0                | 0x7f17d2de6000    | 0x404000         | -1        | -ENOMEM | ''
        huge length from a mapping                  | 0x3d0000000000   | 0x7f17d2de6000    | 0x404000         | -1        | -ENOMEM | ''
        ending exactly at TASK_SIZE                 | 0x3d0000000000   | 0x42fffffff000    | 0x404000         | -1        | -ENOMEM | 0x404000+4
        one byte past TASK_SIZE                     | 0x3d0000000000   | 0x42fffffff001    | 0x404000         | -1        | -ENOMEM | ''
        length 2^63                                 | 0x3d0000000000   | 0x8000000000000000| 0x404000         | -1        | -ENOMEM | ''
        length -4096 wraps                          | 0x3d0000000000   | 0xfffffffffffff000| 0x404000         | -1        | -ENOMEM | ''
        start at TASK_SIZE                          | 0x7ffffffff000   | 0x1000            | 0x404000         | -1        | -ENOMEM | ''
        start in kernel space                       | 0xffff800000000000 | 0x1000          | 0x404000         | -1        | -ENOMEM | ''
        unaligned start before everything           | 0x3d0000000001   | 0xfffffffffffff000| 0xffff800000000000 | -1      | -EINVAL | ''
        unmapped start, kernel vector               | 0x3d0000040000   | 0x1000            | 0xffff800000000000 | -1      | -EFAULT | ''
        unmapped start, vector passes access_ok     | 0x3d0000040000   | 0x1000            | 0                | -1        | -ENOMEM | ''
        vector one byte past TASK_SIZE              | 0x3d0000000000   | 0x3000            | 0x7fffffffeffe   | -1        | -EFAULT | ''
        vector ending at TASK_SIZE                  | 0x3d0000000000   | 0x2000            | 0x7fffffffeffe   | -1        | 0       | 0x7fffffffeffe+2
        length 0 at an unmapped start               | 0x3d0000040000   | 0                 | 0                | -1        | 0       | ''
        partial last page counts                    | 0x3d0000000000   | 0x3001            | 0x404000         | -1        | 0       | 0x404000+4
        copy fails: EFAULT before the hole          | 0x3d0000000000   | 0x8000            | 0x404000         | 0         | -EFAULT | 0x404000+4
        two rounds                                  | 0x3e0000000000   | 0x1002000         | 0x404000         | -1        | 0       | 0x404000+4096 0x405000+2
        second round's copy fails                   | 0x3e0000000000   | 0x1002000         | 0x404000         | 1         | -EFAULT | 0x404000+4096 0x405000+2
        two rounds, then a hole                     | 0x3e0000000000   | 0x1003000         | 0x404000         | -1        | -ENOMEM | 0x404000+4096 0x405000+2
        """)
    void checksAndRoundsAsTheKernel(String what, String start, String len, String vec, int failFrom, String result,
            String copies) {
        Rounds sink = new Rounds(failFrom);
        long r = Mincore.sysMincore(mm, hex(start), hex(len), hex(vec), sink);
        assertEquals(result, errno(r), what + "; copies " + sink.copies + "\n" + mm.maps());
        assertEquals(copies, String.join(" ", sink.copies), what);
    }

    static long hex(String s) {
        return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
    }

    static String errno(long r) {
        if (r == -Errno.EINVAL) return "-EINVAL";
        if (r == -Errno.ENOMEM) return "-ENOMEM";
        if (r == -Errno.EFAULT) return "-EFAULT";
        return Long.toString(r);
    }

    @Test
    void residencyReachesTheGuestVector() {
        long vecVa = BASE + 3 * PAGE; // the vector lives in the mapping it describes
        assertEquals(0, ua.copyToUser(mm, BASE, new byte[] {7}, 0, 1), "touch page 0");
        assertEquals(0, ua.copyToUser(mm, BASE + 2 * PAGE, new byte[] {7}, 0, 1), "touch page 2");
        long r = Mincore.sysMincore(mm, BASE, 4 * PAGE, vecVa, (u, src, n) -> ua.copyToUser(mm, u, src, 0, n));
        assertEquals(0, r);
        byte[] v = new byte[4];
        assertEquals(0, ua.copyFromUser(mm, v, 0, vecVa, 4));
        // Page 3 became resident when the vector was written into it, after its round was looked at.
        assertEquals("1010", "" + v[0] + v[1] + v[2] + v[3]);
    }

    @Test
    void doMincoreStopsAtTheEndOfTheVma() {
        byte[] v = new byte[Mincore.ROUND_PAGES];
        assertEquals(4, Mincore.doMincore(mm, BASE, Mincore.ROUND_PAGES, v));
        assertEquals(2, Mincore.doMincore(mm, BIG + Mincore.ROUND_PAGES * PAGE, 100, v));
        assertEquals(-Errno.ENOMEM, Mincore.doMincore(mm, BASE + 4 * PAGE, 1, v));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mincore.doMincore(mm, BASE, 4097, v));
        assertEquals("pages must be 1..4096 (the vector's length), got 4097", e.getMessage());
    }
}

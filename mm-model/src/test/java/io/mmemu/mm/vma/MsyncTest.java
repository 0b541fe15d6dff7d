package io.mmemu.mm.vma;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** msync()'s checks, table-driven over one address space: [A, A+2 pages) mapped, a hole, then [A+3, A+4) mapped. */
class MsyncTest {
    static final long A = 0x4000_0000L;
    MmEnv env;
    MmStruct mm;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(8L << 20);
        mm = MmStruct.mmAlloc(env);
        int rw = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;
        mm.mmapRegion(A, 2 * 4096, rw, null, 0, null);
        mm.mmapRegion(A + 3 * 4096, 4096, rw | VmFlags.VM_LOCKED, null, 0, null);
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    @ParameterizedTest(name = "{0}")
    // flags: MS_ASYNC 1, MS_INVALIDATE 2, MS_SYNC 4
    @CsvSource(delimiter = '|', textBlock = """
            mapped, MS_SYNC                      | 0      | 8192  | 4  | 0
            length rounded up                    | 0      | 1     | 4  | 0
            zero length                          | 0      | 0     | 4  | 0
            unaligned start                      | 1      | 4096  | 4  | -22
            unknown flag                         | 0      | 4096  | 8  | -22
            MS_SYNC with MS_ASYNC                | 0      | 4096  | 5  | -22
            no flags at all                      | 0      | 4096  | 0  | 0
            over the hole, MS_SYNC               | 0      | 16384 | 4  | -12
            over the hole, MS_ASYNC stops at it  | 0      | 16384 | 1  | -12
            only the hole                        | 8192   | 4096  | 4  | -12
            past the last VMA                    | 16384  | 4096  | 4  | -12
            MS_INVALIDATE of locked memory       | 12288  | 4096  | 2  | -16
            wrapping length                      | 0      | -4096 | 4  | -12
            """)
    void errors(String what, long offset, long len, int flags, long expected) {
        assertEquals(expected, Msync.sysMsync(mm, A + offset, len, flags), what + "\n" + mm.maps());
    }
}

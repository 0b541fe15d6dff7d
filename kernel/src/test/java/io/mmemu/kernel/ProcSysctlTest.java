package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * kernel/sysctl.c's parsing of a one-value write, as the host gave it for /proc/sys/vm (the
 * differential guest sys-sysctl-vm): the value, the bytes the write takes, or EINVAL (-22). The
 * int rows are max_map_count's bounds (0 to INT_MAX); the unsigned long rows mmap_min_addr's.
 */
class ProcSysctlTest {
    @ParameterizedTest(name = "proc_dointvec_minmax(\"{0}\") = {1}, took {2} / {3}")
    @CsvSource(delimiter = '|', value = {
            "65530|65530|5|0", "65530\\n|65530|6|0", "'  \\t65530 \\n\\n'|65530|11|0", "0xfffa|65530|6|0",
            "0177772|65530|7|0", "65530 abc|65530|6|0", "65530 7|65530|6|0", "65530\\0|0|0|-22", "'   \\n'|0|0|-22",
            "abc|0|0|-22", "-|0|0|-22", "- 5|0|0|-22", "+5|0|0|-22", "65530x|0|0|-22",
            "99999999999999999999999|0|0|-22", "000000000000000000005|0|0|-22", "00000000000000000005|5|20|0",
            "2147483647|2147483647|10|0", "2147483648|0|0|-22", "-1|0|0|-22", "-0|0|2|0", "0x|0|0|-22", "08|0|0|-22"})
    void dointvecMinmax(String in, long value, long written, int errno) {
        byte[] b = unescape(in);
        ProcSysctl.Write w = ProcSysctl.dointvecMinmax(b, b.length, 0, Integer.MAX_VALUE);
        assertEquals(errno, w.errno(), in);
        assertEquals(value, w.value(), in);
        assertEquals(written, w.written(), in);
    }

    @ParameterizedTest(name = "proc_dointvec(\"{0}\") = {1}")
    @CsvSource(delimiter = '|', value = {"-1|-1|0", "-2147483648|-2147483648|0", "-2147483649|0|-22"})
    void dointvecTakesNegativesWithoutBounds(String in, long value, int errno) {
        byte[] b = unescape(in);
        ProcSysctl.Write w = ProcSysctl.dointvecMinmax(b, b.length, Integer.MIN_VALUE, Integer.MAX_VALUE);
        assertEquals(errno, w.errno(), in);
        assertEquals(value, w.value(), in);
    }

    @ParameterizedTest(name = "proc_doulongvec_minmax(\"{0}\") = {1} / {2}")
    @CsvSource(delimiter = '|', value = {"4096|4096|0", "2147483648|2147483648|0", "18446744073709551615|-1|0",
            "18446744073709551616|0|-22", "-1|0|-22", "-0|0|-22"})
    void doulongvec(String in, long value, int errno) {
        byte[] b = unescape(in);
        ProcSysctl.Write w = ProcSysctl.doulongvec(b, b.length);
        assertEquals(errno, w.errno(), in);
        assertEquals(value, w.value(), in);
    }

    @org.junit.jupiter.api.Test
    void aWriteOfNothingStoresNothing() {
        ProcSysctl.Write w = ProcSysctl.dointvecMinmax(new byte[0], 0, 0, Integer.MAX_VALUE);
        assertEquals(0, w.errno());
        assertEquals(0, w.written());
        assertEquals(false, w.stores());
    }

    private static byte[] unescape(String s) {
        return s.replace("\\n", "\n").replace("\\t", "\t").replace("\\0", "\0").getBytes(StandardCharsets.ISO_8859_1);
    }
}

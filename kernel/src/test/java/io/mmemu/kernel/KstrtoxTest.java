package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** lib/kstrtox.c's parsers as the attribute files use them: values, EINVAL (22) and ERANGE (34). */
class KstrtoxTest {
    @ParameterizedTest(name = "kstrtoull(\"{0}\") = {1} / {2}")
    @CsvSource(delimiter = '|', value = {
            "0|0|0", "7|7|0", "+7|7|0", "7\\n|7|0", "0x1f|31|0", "0X1F|31|0", "010|8|0", "0x|0|-22",
            "18446744073709551615|-1|0", "18446744073709551616|0|-34", "|0|-22", "abc|0|-22", "-1|0|-22",
            "'7 '|0|-22", "' 7'|0|-22", "7\\n\\n|0|-22", "08|0|-22"})
    void kstrtoull(String in, long value, int errno) {
        Kstrtox.Parsed p = Kstrtox.kstrtoull(unescape(in));
        assertEquals(errno, p.errno(), in);
        assertEquals(value, p.value(), in);
    }

    @ParameterizedTest(name = "kstrtouint(\"{0}\") = {1} / {2}")
    @CsvSource(delimiter = '|', value = {"4294967295|4294967295|0", "4294967296|0|-34", "-1|0|-22"})
    void kstrtouint(String in, long value, int errno) {
        Kstrtox.Parsed p = Kstrtox.kstrtouint(in);
        assertEquals(errno, p.errno(), in);
        assertEquals(value, p.value(), in);
    }

    @ParameterizedTest(name = "kstrtoint(\"{0}\") = {1} / {2}")
    @CsvSource(delimiter = '|', value = {"-1|-1|0", "-2147483648|-2147483648|0", "2147483648|0|-34", "--1|0|-22"})
    void kstrtoint(String in, long value, int errno) {
        Kstrtox.Parsed p = Kstrtox.kstrtoint(in);
        assertEquals(errno, p.errno(), in);
        assertEquals(value, p.value(), in);
    }

    @ParameterizedTest(name = "kstrtobool(\"{0}\") = {1} / {2}")
    @CsvSource(delimiter = '|', value = {"Y|1|0", "yes|1|0", "t|1|0", "1|1|0", "on|1|0", "N|0|0", "f|0|0", "0|0|0",
            "off|0|0", "of|0|0", "o|0|-22", "x|0|-22", "|0|-22"})
    void kstrtobool(String in, long value, int errno) {
        Kstrtox.Parsed p = Kstrtox.kstrtobool(in == null ? "" : in);
        assertEquals(errno, p.errno(), in);
        assertEquals(value, p.value(), in);
    }

    private static String unescape(String s) {
        return s == null ? "" : s.replace("\\n", "\n");
    }
}

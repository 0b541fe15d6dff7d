package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.R;
import static io.mmemu.tlb.Walks.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmemu.mm.pgtable.Access;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Misuse throws with what was expected and what came. */
class ArgumentCheckTest {

    static Stream<Arguments> misuse() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        return Stream.of(
                Arguments.of((Executable) () -> new TlbConfig(3, 2, 1, 1, 1, 1),
                        "4K sets must be a power of two (expected: 1, 2, 4, ..., got 3)"),
                Arguments.of((Executable) () -> new TlbConfig(4, 2, 0, 1, 1, 1),
                        "2M sets must be a power of two (expected: 1, 2, 4, ..., got 0)"),
                Arguments.of((Executable) () -> new TlbConfig(4, 0, 1, 1, 1, 1),
                        "4K ways must be positive (expected: at least 1, got 0)"),
                Arguments.of((Executable) () -> new TlbConfig(4, 2, 1, 1, 1, -1),
                        "1G ways must not be negative (expected: 0 for none, or more, got -1)"),
                Arguments.of((Executable) () -> new TlbConfig(1 << 16, 2, 1, 1, 1, 1),
                        "4K sets × ways must be at most 65536 (got 65536 × 2 = 131072)"),
                Arguments.of((Executable) () -> tlb.lookup(0, 4096, Access.READ),
                        "pcid must be 12 bits (expected: 0..4095, got 4096)"),
                Arguments.of((Executable) () -> tlb.lookup(0, 0, 3),
                        "access must be Access.READ, WRITE or FETCH (expected: 0, 1 or 2, got 3)"),
                Arguments.of((Executable) () -> tlb.fill(0, 0, 1L << 63 | 7),
                        "fill needs a successful walk (got a fault, error code 0x7)"),
                Arguments.of((Executable) () -> tlb.fill(0x20_3000L, 0, ok(0x10_3000L, R, PageSize.SIZE_2M, false)),
                        "walk result does not translate 0x203000: its 4K sub-page 0x103000 puts the 2M page at 0x100000"
                                + " (expected: a multiple of 0x200000)"),
                Arguments.of((Executable) () -> tlb.flushTlbRange(1, 0, 4096),
                        "flush_tlb_func flushes the loaded mm's PCID (expected: current PCID 0, got 1)"),
                Arguments.of((Executable) () -> tlb.flushTlbRange(0, 0x800, 0x2000),
                        "range must be stride-aligned with start <= end (expected: multiples of 0x1000, got [0x800, 0x2000))"),
                Arguments.of((Executable) () -> tlb.flushTlbRange(0, 0, 0x1000, 13),
                        "stride shift must be a page size (expected: 12, 21 or 30, got 13)"));
    }

    @ParameterizedTest
    @MethodSource("misuse")
    void misuseSaysWhatWasExpected(Executable call, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    @Test
    void presetsHaveTheAdvertisedCapacity() {
        assertEquals(8 + 2 + 1, TlbConfig.TEACHING.capacity());
        assertEquals(64 + 32 + 4, TlbConfig.TYPICAL.capacity());
        assertEquals(64, TlbConfig.TYPICAL.entries(PageSize.SIZE_4K));
    }
}

package io.mmemu.emulator.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Instruction lengths of encodings compilers emit, as objdump decodes them. */
class X86InsnLengthTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "90, 1",                             // nop
        "c3, 1",                             // ret
        "55, 1",                             // push %rbp
        "4889e5, 3",                         // mov %rsp,%rbp
        "488b0500000000, 7",                 // mov 0x0(%rip),%rax
        "8b442408, 4",                       // mov 0x8(%rsp),%eax
        "8b8424a0000000, 7",                 // mov 0xa0(%rsp),%eax
        "48c7c0ffffffff, 7",                 // mov $-1,%rax
        "48b88877665544332211, 10",          // movabs $imm64,%rax
        "66b80100, 4",                       // mov $1,%ax
        "e800000000, 5",                     // call rel32
        "0f8400000000, 6",                   // je rel32
        "7400, 2",                           // je rel8
        "f30f1efa, 4",                       // endbr64
        "0f05, 2",                           // syscall
        "f6c101, 3",                         // test $1,%cl
        "f7c100010000, 6",                   // test $0x100,%ecx
        "f7d8, 2",                           // neg %eax
        "660f6f0500000000, 8",               // movdqa 0x0(%rip),%xmm0
        "660f3a0fc108, 6",                   // palignr $8,%xmm1,%xmm0
        "660f3800c1, 5",                     // pshufb %xmm1,%xmm0
        "f3a4, 2",                           // rep movsb
        "f3480fb8c0, 5",                     // popcnt %rax,%rax
        "c5f877, 3",                         // vzeroupper
        "c5fd6f0500000000, 8",               // vmovdqa 0x0(%rip),%ymm0
        "c4e27d78c0, 5",                     // vpbroadcastb %xmm0,%ymm0
        "c4e3790fc108, 6",                   // vpalignr $8,%xmm1,%xmm0,%xmm0
        "62f17d486f0500000000, 10",          // vmovdqa32 0x0(%rip),%zmm0
        "64488b042528000000, 9",             // mov %fs:0x28,%rax
        "0f1f440000, 5",                     // nopl 0x0(%rax,%rax,1)
        "660f1f840000000000, 9",             // nopw 0x0(%rax,%rax,1)
        "c8100000, 4",                       // enter $0x10,$0
        "a10000000000000000, 9",             // movabs 0x0,%eax
        "0f0b, 2",                           // ud2
        "ff2500000000, 6",                   // jmp *0x0(%rip)
        "8b04c5e0000000, 7",                 // mov 0xe0(,%rax,8),%eax (SIB, no base)
        "6bc00a, 3",                         // imul $10,%eax,%eax
        "69c0e8030000, 6",                   // imul $1000,%eax,%eax
        "f00fb10a, 4",                       // lock cmpxchg %ecx,(%rdx)
        "d9ee, 2",                           // fldz
    })
    void lengthIsWhatObjdumpSays(String hex, int length) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        X86InsnLength.Code code = a -> a >= 0x1000 && a < 0x1000 + bytes.length ? bytes[(int) (a - 0x1000)] & 0xff : -1;
        assertEquals(length, X86InsnLength.length(code, 0x1000));
    }
}

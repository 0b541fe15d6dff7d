package io.mmemu.mm.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vector → (signal, si_code) table of arch/x86/kernel/traps.c, as a user task sees it. */
class TrapSignalsTest {

    @ParameterizedTest(name = "vector {0} ({1}) -> signal {2}, si_code {3}")
    @CsvSource({
        "0,   #DE divide error,          8, 1",    // SIGFPE FPE_INTDIV
        "1,   #DB debug,                 5, 128",  // SIGTRAP SI_KERNEL
        "3,   #BP int3,                  5, 128",
        "4,   #OF overflow,              11, 128", // SIGSEGV SI_KERNEL, as #GP
        "5,   #BR bound range,           11, 128",
        "6,   #UD invalid opcode,        4, 2",    // SIGILL ILL_ILLOPN
        "10,  #TS invalid TSS,           11, 128",
        "11,  #NP segment not present,   11, 128", // Linux: SIGBUS; kept as mmemu answers it
        "12,  #SS stack segment,         11, 128",
        "13,  #GP general protection,    11, 128",
        "16,  #MF x87 error,             8, 0",    // SIGFPE, FPU status not decoded
        "17,  #AC alignment check,       7, 1",    // SIGBUS BUS_ADRALN
        "19,  #XM SIMD error,            8, 0",
        "31,  reserved vector,           11, 128",
        "128, int 0x80,                  11, 128", // a gate user mode may not use: #GP
        "255, int 0xff,                  11, 128",
    })
    void vectorSendsTheSignalLinuxSends(int vector, String name, int signo, int code) {
        assertEquals(signo, TrapSignals.signo(vector), name + ": signal");
        assertEquals(code, TrapSignals.code(vector), name + ": si_code");
        FaultResult.Signal s = TrapSignals.signal(vector, 0x1234, name);
        assertEquals(new FaultResult.Signal(signo, code, 0x1234, 0, 0, name), s);
    }
}

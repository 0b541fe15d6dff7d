package io.mmemu.benchmarks;

import io.mmemu.emulator.unicorn.Uc;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.emulator.unicorn.X86Reg;
import io.mmemu.mm.phys.PhysicalMemory;

/** The bare-Unicorn side of the end-to-end benchmarks: an engine in UC_TLB_VIRTUAL mode over one memory, running a code fragment. */
final class BareUnicorn {
    private BareUnicorn() {}

    /** An engine with all of {@code mem} mapped at physical 0 and translations from its fill hook. */
    static Unicorn open(PhysicalMemory mem) {
        Unicorn uc = Unicorn.openX86_64();
        uc.ctlTlbMode(Uc.TLB_VIRTUAL);
        uc.memMapPtr(0, mem.segment(), Uc.PROT_ALL);
        return uc;
    }

    /** Puts {@code code} at {@code codePa}, runs it from {@code codeVa} to its end and returns the nanoseconds it took. */
    static long run(Unicorn uc, PhysicalMemory mem, long codeVa, long codePa, byte[] code) {
        mem.write(codePa, code, 0, code.length);
        uc.regWrite(X86Reg.RSP, 0);
        long t0 = System.nanoTime();
        int err = uc.emuStart(codeVa, codeVa + code.length, 0, 0);
        long t = System.nanoTime() - t0;
        if (err != 0) throw new IllegalStateException("bare loop stopped: " + Unicorn.strerror(err));
        return t;
    }
}

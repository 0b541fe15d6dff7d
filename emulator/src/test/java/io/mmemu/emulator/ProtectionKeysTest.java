package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.kernel.CpuModel;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Protection keys on the PKU CPU model (QEMU's Skylake-Server): the guest {@code pkeys-pku pku}
 * goes through what Linux does on a pku host (the host has none, so the expected output is
 * Linux's behaviour written out, not a native run): CPUID, init_pkru_value, pkey_alloc()'s PKRU
 * bits, WRPKRU/RDPKRU, SEGV_PKUERR with si_pkey, the XSAVE signal frame's PKRU, the execute-only
 * key, fork and exec, and two threads of one mm whose PKRUs differ across time slices. On the default model the same program cannot tell keys apart: pkey_alloc()
 * is EINVAL there, as on the host ({@code sys-pkeys}).
 */
class ProtectionKeysTest {
    /** The outcome of one run: exit status (128 + signal when killed), stdout and mmemu's log. */
    record Run(int status, String stdout, String log) {}

    static Run run(CpuModel model, String... args) throws Exception {
        return run("pkeys-pku", model, args);
    }

    static Run run(String program, CpuModel model, String... args) throws Exception {
        GuestProgram p = GuestProgram.named(program);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MachineOptions options = new MachineOptions(64L << 20, false, 1, false, false, out, out,
                new PrintStream(log, true, StandardCharsets.UTF_8)).withCpuModel(model);
        try (Machine m = new Machine(options)) {
            List<String> argv = new java.util.ArrayList<>();
            argv.add(p.binary().toString());
            argv.addAll(List.of(args));
            m.exec(p.binary(), argv, List.of());
            RunOutcome o = m.run();
            return new Run(o.killed() ? 128 + o.signal() : o.exitCode(), out.toString(StandardCharsets.UTF_8),
                    log.toString(StandardCharsets.UTF_8));
        }
    }

    /** What Linux gives the program on a CPU with PKU (arch/x86/mm/pkeys.c, mm/mprotect.c, the x86 fault and signal code). */
    static final String EXPECTED = """
            cpuid 7: pku 1 ospke 1
            cpuid d.9: size 8 offset 0xa80
            start: pkru 55555554
            pkey_alloc flags 1                       -1 EINVAL
            pkey_alloc rights 4                      -1 EINVAL
            pkey_alloc                               1\s
            pkru 55555550
            pkey_alloc write-disabled                2\s
            pkru 55555560
            pkey_mprotect key 1                      0\s
            pkey_mprotect key 15 (not allocated)     -1 EINVAL
            smaps ProtectionKey: 1
            read, key 1 allowed                      read 42
            wrpkru: pkru 55555564
            read, key 1 access-disabled              SIGSEGV code 4 pkey 1 frame pkru 55555564 handler pkru 55555554
            after longjmp: pkru 55555554
            read, key 1 write-disabled               read 42
            write, key 1 write-disabled              SIGSEGV code 4 pkey 1 frame pkru 55555568
            read() into a write-disabled page        -1 EFAULT
            write fixed by the handler: faults 1, value 44, pkru 00000000, frame pkru 5555556c
            pkey_mprotect fresh page key 2           0\s
            read of a fresh page, key 2 allowed      read 0
            write of a fresh page, key 2 write-disabled SIGSEGV code 4 pkey 2 frame pkru 55555560
            mprotect keeps the key                   0\s
            write after mprotect, still key 2        SIGSEGV code 4 pkey 2 frame pkru 55555554
            mprotect PROT_EXEC                       0\s
            pkru 55555554
            call execute-only code: 7
            read of execute-only memory              SIGSEGV code 4 pkey 3 frame pkru 55555554 handler pkru 55555554
            mprotect PROT_READ|PROT_EXEC             0\s
            read after PROT_READ|PROT_EXEC           read 1976
            read of an mmap(PROT_EXEC) page          SIGSEGV code 4 pkey 3 frame pkru 55555554 handler pkru 55555554
            child: pkru is parent's
            child: read, key 1 access-disabled       SIGSEGV code 4 pkey 1 frame pkru 55555564 handler pkru 55555554
            child: pkey_alloc                        4\s
            after exec: pkru 55555554
            after exec: pkey_alloc                   1\s
            threads: reader sum 44000000, main denied 100 of 100
            pkey_free key 1                          0\s
            pkey_free key 1 again                    -1 EINVAL
            pkey_free key 0                          0\s
            allocated 14 more keys, then: ENOSPC
            """;

    @Test
    void pkeysBehaveAsOnAPkuHostOnTheSkylakeServerModel() throws Exception {
        Run r = run(CpuModel.SKYLAKE_SERVER, "pku");
        assertEquals(EXPECTED, r.stdout(), r.log());
        assertEquals(0, r.status(), r.stdout() + r.log());
    }

    /**
     * What xstateregs_get()/xstateregs_set() give a tracer on a CPU whose XCR0 is x87 | SSE | PKRU.
     * One liberty: xstate_bv always shows x87 and SSE in use (the model does not track XINUSE;
     * hardware clears a bit whose component is in its init state), as the signal frames do.
     */
    static final String XSTATE_EXPECTED = """
            waitpid                                  1\s
            GETREGSET NT_X86_XSTATE 4096             0\s
              iov_len 0xa88 xstate_bv 0x203 xcomp_bv 0 pkru 55555554
              sw_reserved magic1 0x46505853 extended 0xa8c features 0x203 size 0xa88
              fcw 0x37f mxcsr 0x1f80
            GETREGSET 520 bytes                      0\s
              iov_len 520 xstate_bv 0x203 next byte 0xcc
            SETREGSET 520 bytes                      -1 EFAULT
            SETREGSET 4096 bytes (cut to the image)  0\s
              iov_len 0xa88
            SETREGSET xcomp_bv compacted             -1 EINVAL
            SETREGSET a reserved header byte         -1 EINVAL
            SETREGSET xstate_bv with YMM             -1 EINVAL
            SETREGSET reserved MXCSR bits            -1 EINVAL
            SETREGSET pkru 55555550                  0\s
            GETREGSET                                0\s
              iov_len 0xa88 xstate_bv 0x203 pkru 55555550
            SETREGSET xstate_bv without PKRU         0\s
            GETREGSET                                0\s
              iov_len 0xa88 xstate_bv 0x3 pkru 00000000
            SETREGSET pkru 5555555c                  0\s
            GETREGSET                                0\s
              iov_len 0xa88 xstate_bv 0x203 pkru 5555555c
            CONT                                     0\s
            waitpid                                  1\s
            status                                   0
            """;

    @Test
    void ptraceReachesTheTraceesXsaveImageAndPkruOnTheSkylakeServerModel() throws Exception {
        // status 0: the child's RDPKRU saw the PKRU its tracer set through NT_X86_XSTATE.
        Run r = run("ptrace-xstate", CpuModel.SKYLAKE_SERVER, "xsave");
        assertEquals(XSTATE_EXPECTED, r.stdout(), r.log());
        assertEquals(0, r.status(), r.stdout() + r.log());
    }

    @Test
    void withoutXsaveTheXstateRegsetIsEnodev() throws Exception {
        Run r = run("ptrace-xstate", CpuModel.QEMU64, "noxsave");
        assertEquals("""
                waitpid                                  1\s
                GETREGSET NT_X86_XSTATE                  -1 ENODEV
                SETREGSET NT_X86_XSTATE                  -1 ENODEV
                CONT                                     0\s
                waitpid                                  1\s
                status                                   0
                """, r.stdout(), r.log());
        assertEquals(0, r.status(), r.stdout() + r.log());
    }

    @Test
    void theDefaultModelHasNoPkuAndRdpkruIsAnInvalidOpcode() throws Exception {
        // CPUID without PKU or an XSAVE slot for PKRU, and CR4.PKE off: RDPKRU is #UD, SIGILL, as on the host.
        Run r = run(CpuModel.QEMU64, "pku");
        assertEquals("cpuid 7: pku 0 ospke 0\ncpuid d.9: size 0 offset 0\n", r.stdout(), r.log());
        assertEquals(128 + 4, r.status(), r.stdout() + r.log());
    }

    @Test
    void theCpuModelSurvivesTheLogHeaderAndReachesTheMachine() {
        RunConfig d = RunConfig.defaults(Path.of("prog"), List.of());
        RunConfig c = new RunConfig(d.program(), d.args(), d.env(), d.ramBytes(), d.aslr(), d.seed(), d.cpus(), d.quantum(),
                d.tlbPreset(), d.pcid(), d.checkTlb(), d.dropShootdowns(), d.precise(), d.exactTlb(),
                d.countInstructions(), d.verbose(), d.root(), d.maxInstructions(), d.fail(), d.slubDebug(), d.thp(),
                "skylake-server");
        assertEquals(c, RunConfig.fromJson(c.toJson().toString()));
        assertEquals(d, RunConfig.fromJson(d.toJson().toString()));
        assertEquals(List.of("--seed", "1", "--cpu-model", "skylake-server"), c.toArguments());
        assertEquals(CpuModel.SKYLAKE_SERVER, c.machineOptions(new GuestIo(InputStream.nullInputStream(),
                OutputStream.nullOutputStream(), OutputStream.nullOutputStream(),
                new PrintStream(OutputStream.nullOutputStream()))).cpuModel());
        RunConfig bad = new RunConfig(d.program(), d.args(), d.env(), d.ramBytes(), d.aslr(), d.seed(), d.cpus(),
                d.quantum(), d.tlbPreset(), d.pcid(), d.checkTlb(), d.dropShootdowns(), d.precise(), d.exactTlb(),
                d.countInstructions(), d.verbose(), d.root(), d.maxInstructions(), d.fail(), d.slubDebug(), d.thp(), "486");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::validate);
        assertEquals("--cpu-model: unknown CPU model 486 (expected: qemu64 or skylake-server)", e.getMessage());
    }
}

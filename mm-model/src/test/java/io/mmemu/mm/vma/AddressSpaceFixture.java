package io.mmemu.mm.vma;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.mm.check.AddressSpaceInvariants;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * One 8 MiB machine with one empty address space (mmap base 0x7000_0000_0000) per test, whose
 * promises {@link AddressSpaceInvariants} checks after the test before it is torn down.
 */
public abstract class AddressSpaceFixture {
    protected static final long P = 4096;
    protected static final int ANON = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;

    protected MmEnv env;
    protected MmStruct mm;

    @BeforeEach
    protected void bootAddressSpace() {
        env = MmEnv.boot(8L << 20);
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7000_0000_0000L;
    }

    @AfterEach
    protected void checkAndTearDown() {
        assertEquals(List.of(), AddressSpaceInvariants.check(env, mm), mm.maps());
        mm.exitMmap();
        env.mem().close();
    }
}

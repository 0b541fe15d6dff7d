package io.mmemu.mm.vma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.fault.CpuAccess;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Linux's pkey model on a CPU with PKU (arch/x86/mm/pkeys.c, mm/mprotect.c): the keys of an mm,
 * PKRU as pkey_alloc() and the execute-only key leave it, the keys of VMAs and their entries,
 * and the faults PKRU refuses. PKRU is the model's running CPU's ({@code pagingControl().pkru}).
 */
class PkeysWithPkuTest extends AddressSpaceFixture {
    static final int R = 1, W = 2, X = 4;

    @BeforeEach
    @Override
    protected void bootAddressSpace() {
        env = MmEnv.boot(8L << 20);
        env.setOsPke(true);
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7000_0000_0000L;
        env.pagingControl().pkru = Pkeys.INIT_PKRU_VALUE;
    }

    long map(int pages, int prot) {
        return Mmap.doMmap(mm, null, 0, pages * P, prot, ANON, 0, false);
    }

    int pkru() {
        return env.pagingControl().pkru;
    }

    long pte(long va) {
        long slot = mm.pgd().leafSlot(va);
        return slot == PageTable.NO_SLOT ? 0 : mm.pgd().get(slot);
    }

    @Test
    void aNewMmHasKeyZeroAndPkeyAllocSetsTheNewKeysRights() {
        assertEquals(1, mm.pkeyAllocationMap);
        assertEquals(-1, mm.executeOnlyPkey);
        int[][] cases = { // init_val, the key's two PKRU bits after pkey_alloc()
            {0, 0}, {1, 1}, {2, 2}, {3, 3},
        };
        for (int i = 0; i < cases.length; i++) {
            long key = Pkeys.sysPkeyAlloc(mm, 0, cases[i][0]);
            assertEquals(i + 1, key, "the lowest free key");
            assertEquals(cases[i][1], pkru() >>> 2 * key & 3, "init_val " + cases[i][0] + ": pkru 0x"
                    + Integer.toHexString(pkru()));
        }
        assertEquals(0x55555554 & ~0x3fc | 0x1 << 4 | 0x2 << 6 | 0x3 << 8, pkru(), "other keys keep their bits");
        assertEquals(-Errno.EINVAL, Pkeys.sysPkeyAlloc(mm, 1, 0));
        assertEquals(-Errno.EINVAL, Pkeys.sysPkeyAlloc(mm, 0, 4));
    }

    @Test
    void keysRunOutAtSixteenAndFreeingGivesOneBack() {
        for (int k = 1; k < 16; k++) assertEquals(k, Pkeys.sysPkeyAlloc(mm, 0, 0));
        assertEquals(-Errno.ENOSPC, Pkeys.sysPkeyAlloc(mm, 0, 0));
        assertEquals(0, Pkeys.sysPkeyFree(mm, 7));
        assertEquals(-Errno.EINVAL, Pkeys.sysPkeyFree(mm, 7), "not allocated any more");
        assertEquals(-Errno.EINVAL, Pkeys.sysPkeyFree(mm, 16));
        assertEquals(-Errno.EINVAL, Pkeys.sysPkeyFree(mm, -1));
        assertEquals(7, Pkeys.sysPkeyAlloc(mm, 0, 0));
    }

    @Test
    void pkeyMprotectKeysTheVmaAndItsEntriesAndSplitsAndMergesByKey() {
        long a = map(3, R | W);
        for (int i = 0; i < 3; i++) assertInstanceOf(FaultResult.class, new CpuAccess(env).access(mm, a + i * P,
                Access.WRITE, AssertionError::new));
        long key = Pkeys.sysPkeyAlloc(mm, 0, 0);
        assertEquals(-Errno.EINVAL, Mprotect.doMprotectPkey(mm, a, P, R | W, 9), "not allocated");
        assertEquals(0, Mprotect.doMprotectPkey(mm, a + P, P, R | W, (int) key));
        assertEquals(3, mm.mapCount(), "a key of its own splits the VMA\n" + mm.maps());
        assertEquals(key, mm.vmaLookup(a + P).pkey());
        assertEquals(key, Pte.pkey(pte(a + P)), "the entry carries the key");
        assertEquals(0, Pte.pkey(pte(a)));
        assertEquals(0, Mprotect.doMprotect(mm, a + P, P, R), "mprotect() keeps the VMA's key");
        assertEquals(key, mm.vmaLookup(a + P).pkey(), mm.maps());
        assertEquals(0, Mprotect.doMprotectPkey(mm, a + P, P, R | W, 0));
        assertEquals(1, mm.mapCount(), "key 0 again: the three merge\n" + mm.maps());
        assertEquals(0, Pte.pkey(pte(a + P)));
    }

    @Test
    void anExecuteOnlyMappingGetsTheExecuteOnlyKeyAccessDisabled() {
        env.pagingControl().pkru = 0; // every key allowed: the execute-only key's AD must be set
        long x = map(1, X);
        int key = mm.vmaLookup(x).pkey();
        assertEquals(1, key, mm.maps());
        assertEquals(1, mm.executeOnlyPkey);
        assertEquals(1 << 2, pkru(), "AD for the execute-only key");
        assertFalse(Pkeys.mmPkeyIsAllocated(mm, 1), "no user interface may use it");
        long y = map(1, R | W);
        assertEquals(0, Mprotect.doMprotect(mm, y, P, X));
        assertEquals(1, mm.vmaLookup(y).pkey(), "mprotect(PROT_EXEC) takes the same key");
        assertEquals(0, Mprotect.doMprotect(mm, x, P, R | X));
        assertEquals(0, mm.vmaLookup(x).pkey(), "no longer execute-only: back to key 0");
    }

    @Test
    void aFaultPkruRefusesIsPkuerrWithTheKeyEvenBeforeThePageIsThere() {
        long a = map(1, R | W);
        long key = Pkeys.sysPkeyAlloc(mm, 0, 1); // access-disabled
        assertEquals(0, Mprotect.doMprotectPkey(mm, a, P, R | W, (int) key));
        FaultResult f = new CpuAccess(env).access(mm, a, Access.READ, AssertionError::new);
        FaultResult.Signal s = assertInstanceOf(FaultResult.Signal.class, f, mm.maps());
        assertEquals(SiCode.SEGV_PKUERR, s.code());
        assertEquals(key, s.pkey());
        assertEquals(0, pte(a), "arch_vma_access_permitted() refused it before any fault-in");
        env.pagingControl().pkru &= ~(3 << 2 * key);
        assertEquals(FaultResult.HANDLED, new CpuAccess(env).access(mm, a, Access.WRITE, AssertionError::new));
        env.pagingControl().pkru |= 2 << 2 * key; // write-disabled: the mapped page reads, and a write is PK
        assertEquals(FaultResult.HANDLED, new CpuAccess(env).access(mm, a, Access.READ, AssertionError::new));
        s = assertInstanceOf(FaultResult.Signal.class, new CpuAccess(env).access(mm, a, Access.WRITE,
                AssertionError::new));
        assertEquals(SiCode.SEGV_PKUERR, s.code());
        assertTrue(Pte.pkey(pte(a)) == key, Pte.describe(pte(a)));
    }

    @Test
    void forkCopiesTheKeysOfTheMmAndItsVmas() {
        long a = map(1, R | W);
        long key = Pkeys.sysPkeyAlloc(mm, 0, 0);
        assertEquals(0, Mprotect.doMprotectPkey(mm, a, P, R | W, (int) key));
        map(1, X); // the execute-only key
        MmStruct child = mm.dupMmap();
        try {
            assertEquals(mm.pkeyAllocationMap, child.pkeyAllocationMap);
            assertEquals(mm.executeOnlyPkey, child.executeOnlyPkey);
            assertEquals(key, child.vmaLookup(a).pkey());
            assertEquals(3, Pkeys.sysPkeyAlloc(child, 0, 0));
        } finally {
            child.exitMmap();
        }
    }
}

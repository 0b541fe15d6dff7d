package io.mmemu.mm.vma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** madvise_set_anon_name() over one address space: names split and merge VMAs and show in maps. */
class AnonVmaNameTest extends AddressSpaceFixture {
    long a;

    @BeforeEach
    void mapEightPages() {
        a = Mmap.doMmap(mm, null, 0, 8 * P, 3, ANON, 0, false);
        assertTrue(a > 0);
    }

    @Test
    void namingSplitsAndEqualNamesMerge() {
        assertEquals(0, AnonVmaName.madviseSetAnonName(mm, a + 2 * P, 2 * P, "buf"));
        assertEquals(3, mm.mapCount(), mm.maps());
        assertEquals("[anon:buf]", mm.label(mm.vmaLookup(a + 2 * P)));
        assertTrue(mm.maps().contains("[anon:buf]"), mm.maps());
        assertEquals(0, AnonVmaName.madviseSetAnonName(mm, a + 4 * P, P, "buf"));
        assertEquals(3, mm.mapCount(), "the same name merges: " + mm.maps());
        assertEquals(0, AnonVmaName.madviseSetAnonName(mm, a + 3 * P, P, "other"));
        assertEquals(5, mm.mapCount(), mm.maps());
        assertEquals(0, AnonVmaName.madviseSetAnonName(mm, a, 8 * P, null));
        assertEquals(1, mm.mapCount(), "names removed, all merges back: " + mm.maps());
        assertEquals(null, mm.label(mm.vmaLookup(a)));
    }

    @Test
    void holesAreEnomemAfterNamingWhatIsMappedAndFilesAreEbadf() {
        assertEquals(0, mm.doMunmap(a + 4 * P, P));
        assertEquals(-Errno.ENOMEM, AnonVmaName.madviseSetAnonName(mm, a + 3 * P, 3 * P, "x"));
        assertEquals("x", mm.vmaLookup(a + 3 * P).anonName());
        assertEquals("x", mm.vmaLookup(a + 5 * P).anonName());
        assertEquals(null, mm.vmaLookup(a + 2 * P).anonName());
        assertEquals(-Errno.EINVAL, AnonVmaName.madviseSetAnonName(mm, a + 1, P, "x"));
        assertEquals(-Errno.EINVAL, AnonVmaName.madviseSetAnonName(mm, a, -P, "x"));
        assertEquals(0, AnonVmaName.madviseSetAnonName(mm, a, 0, "x"));
        MappedFile f = new MappedFile(java.nio.file.Path.of("/f"), "/f", new byte[(int) P], 1, 2);
        long fm = mm.mmapRegion(a + 16 * P, P, VmFlags.VM_READ | VmFlags.VM_MAYREAD, f, 0, null);
        assertEquals(a + 16 * P, fm);
        assertEquals(-Errno.EBADF, AnonVmaName.madviseSetAnonName(mm, fm, P, "x"));
        assertEquals(0, mm.doMunmap(fm, P));
    }

    @Test
    void forkAndMremapKeepTheNameAndSharedAnonymousMemoryShowsAnonShmem() {
        assertEquals(0, AnonVmaName.madviseSetAnonName(mm, a, 2 * P, "kept"));
        MmStruct child = mm.dupMmap();
        assertEquals("[anon:kept]", child.label(child.vmaLookup(a)));
        child.exitMmap();
        long moved = Mremap.doMremap(mm, a, P, P, 3, a + 32 * P);
        assertEquals(a + 32 * P, moved);
        assertEquals("kept", mm.vmaLookup(moved).anonName());
        long s = Mmap.doMmap(mm, null, 0, P, 3, Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS, 0, false);
        assertEquals(0, AnonVmaName.madviseSetAnonName(mm, s, P, "shm"));
        assertEquals("[anon_shmem:shm]", mm.label(mm.vmaLookup(s)));
    }
}

package io.mmemu.kernel.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Writes minimal ELF64 x86-64 files with chosen program headers, for table-driven edge cases. */
final class SyntheticElf {
    record Phdr(int type, int flags, long offset, long vaddr, long filesz, long memsz, long align) {
        static Phdr load(long offset, long vaddr, long filesz, long memsz, long align) {
            return new Phdr(ProgramHeader.PT_LOAD, ProgramHeader.PF_R, offset, vaddr, filesz, memsz, align);
        }
    }

    private int type = ElfHeader.ET_EXEC;
    private long entry = 0x401000;
    private long phoff = 64;
    private int fileSize = 0x3000;
    private final List<Phdr> phdrs = new ArrayList<>();

    SyntheticElf type(int newType) {
        this.type = newType;
        return this;
    }

    SyntheticElf entry(long newEntry) {
        this.entry = newEntry;
        return this;
    }

    SyntheticElf phoff(long newPhoff) {
        this.phoff = newPhoff;
        return this;
    }

    SyntheticElf fileSize(int newFileSize) {
        this.fileSize = newFileSize;
        return this;
    }

    SyntheticElf add(Phdr phdr) {
        phdrs.add(phdr);
        return this;
    }

    byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(fileSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.putShort(16, (short) type).putShort(18, (short) ElfHeader.EM_X86_64).putInt(20, 1)
                .putLong(24, entry).putLong(32, phoff).putLong(40, 0).putInt(48, 0)
                .putShort(52, (short) 64).putShort(54, (short) ProgramHeader.SIZE)
                .putShort(56, (short) phdrs.size());
        for (int i = 0; i < phdrs.size(); i++) {
            Phdr p = phdrs.get(i);
            int at = (int) phoff + i * ProgramHeader.SIZE;
            b.putInt(at, p.type()).putInt(at + 4, p.flags()).putLong(at + 8, p.offset())
                    .putLong(at + 16, p.vaddr()).putLong(at + 24, p.vaddr()).putLong(at + 32, p.filesz())
                    .putLong(at + 40, p.memsz()).putLong(at + 48, p.align());
        }
        return b.array();
    }
}

package io.mmemu.kernel.elf;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** In-place edits of an ELF64 file's header and program headers, read independently of the parser. */
final class ElfMutations {
    private ElfMutations() {
    }

    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static long phoff(byte[] bytes) {
        return le(bytes).getLong(32);
    }

    static int phnum(byte[] bytes) {
        return Short.toUnsignedInt(le(bytes).getShort(56));
    }

    static Phdrs phdrs(byte[] bytes) {
        return new Phdrs(bytes);
    }

    /** The program-header table of {@code bytes}, field by field. */
    static final class Phdrs {
        private final ByteBuffer le;
        private final int phoff;
        private final int phnum;

        Phdrs(byte[] bytes) {
            this.le = le(bytes);
            this.phoff = (int) phoff(bytes);
            this.phnum = phnum(bytes);
        }

        int count() {
            return phnum;
        }

        private int at(int i) {
            return phoff + i * 56;
        }

        int type(int i) {
            return le.getInt(at(i));
        }

        long offset(int i) {
            return le.getLong(at(i) + 8);
        }

        long vaddr(int i) {
            return le.getLong(at(i) + 16);
        }

        long filesz(int i) {
            return le.getLong(at(i) + 32);
        }

        long memsz(int i) {
            return le.getLong(at(i) + 40);
        }

        void setType(int i, int type) {
            le.putInt(at(i), type);
        }

        void setOffset(int i, long v) {
            le.putLong(at(i) + 8, v);
        }

        void setVaddr(int i, long v) {
            le.putLong(at(i) + 16, v);
        }

        void setFilesz(int i, long v) {
            le.putLong(at(i) + 32, v);
        }

        void setMemsz(int i, long v) {
            le.putLong(at(i) + 40, v);
        }

        int indexOf(int type) {
            for (int i = 0; i < phnum; i++) {
                if (type(i) == type) {
                    return i;
                }
            }
            return fail("no program header of type 0x%x".formatted(type));
        }

        /** The n-th PT_LOAD's program-header index. */
        int load(int n) {
            int seen = 0;
            for (int i = 0; i < phnum; i++) {
                if (type(i) == ProgramHeader.PT_LOAD && seen++ == n) {
                    return i;
                }
            }
            return fail("fewer than %d PT_LOAD headers".formatted(n + 1));
        }

        int lastLoad() {
            int last = -1;
            for (int i = 0; i < phnum; i++) {
                if (type(i) == ProgramHeader.PT_LOAD) {
                    last = i;
                }
            }
            return last;
        }
    }
}

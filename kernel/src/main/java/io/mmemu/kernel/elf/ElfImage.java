package io.mmemu.kernel.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What load_elf_binary() (fs/binfmt_elf.c) learns from a static x86-64 executable before it maps
 * it: the PT_LOAD segments, the entry point, where the program headers land, the stack and TLS
 * flags, and the extent of the image. All addresses are unrelocated (as in the file); for a static
 * PIE ({@link ElfType#DYN}) the loader adds its load bias.
 *
 * <p>The image holds a snapshot of the whole file, read once, so that a run does not depend on the
 * file changing underneath it; {@link #readFile} serves page reads from that snapshot.
 */
public final class ElfImage {
    /** Files at least this large are refused rather than read into one array. */
    static final long MAX_FILE_SIZE = Integer.MAX_VALUE - 8;

    private final Path path;
    private final byte[] file;
    private final ElfType type;
    private final long entry;
    private final List<LoadSegment> loadSegments;
    private final long phdrVaddr;
    private final int phent;
    private final int phnum;
    private final ExecutableStack executableStack;
    private final boolean hasTls;

    ElfImage(Path path, byte[] file, ElfType type, long entry, List<LoadSegment> loadSegments, long phdrVaddr,
            int phent, int phnum, ExecutableStack executableStack, boolean hasTls) {
        this.path = path;
        this.file = file;
        this.type = type;
        this.entry = entry;
        this.loadSegments = List.copyOf(loadSegments);
        this.phdrVaddr = phdrVaddr;
        this.phent = phent;
        this.phnum = phnum;
        this.executableStack = executableStack;
        this.hasTls = hasTls;
    }

    /**
     * Reads and parses {@code file}; every problem, I/O included, is an ElfFormatException.
     *
     * @param file the executable on the host
     * @return the parsed image, holding a snapshot of the file
     * @throws ElfFormatException when the file cannot be read or is not a static x86-64 executable mmemu can load
     */
    public static ElfImage parse(Path file) throws ElfFormatException {
        Objects.requireNonNull(file, "file");
        byte[] contents;
        try {
            long size = Files.size(file);
            if (size >= MAX_FILE_SIZE) {
                throw new ElfFormatException(ElfFormatException.Reason.UNREADABLE,
                        "file too large (%d bytes, mmemu reads executables of up to %d bytes)"
                                .formatted(size, MAX_FILE_SIZE - 1));
            }
            contents = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw unreadable("no such file", e);
        } catch (AccessDeniedException e) {
            throw unreadable("permission denied", e);
        } catch (IOException | RuntimeException e) {
            throw unreadable(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName(), e);
        }
        return ElfImageParser.parse(contents, file);
    }

    /**
     * Parses an executable held in memory (the array is copied).
     *
     * @param contents the whole file
     * @return the parsed image, with no {@link #path()}
     * @throws ElfFormatException when the bytes are not a static x86-64 executable mmemu can load
     */
    public static ElfImage parse(byte[] contents) throws ElfFormatException {
        Objects.requireNonNull(contents, "contents");
        return ElfImageParser.parse(contents.clone(), null);
    }

    private static ElfFormatException unreadable(String why, Exception cause) {
        return new ElfFormatException(ElfFormatException.Reason.UNREADABLE, "cannot read file: " + why, cause);
    }

    /**
     * The file this image was read from.
     *
     * @return the host path, or empty for {@link #parse(byte[])}
     */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /**
     * e_type: whether the loader maps the image where it says or at a load bias.
     *
     * @return {@link ElfType#EXEC} or {@link ElfType#DYN} (a static PIE)
     */
    public ElfType type() {
        return type;
    }

    /**
     * e_entry, unrelocated.
     *
     * @return the entry point's address as the file gives it
     */
    public long entry() {
        return entry;
    }

    /**
     * The PT_LOAD segments in file order.
     *
     * @return the segments, never empty, unmodifiable
     */
    public List<LoadSegment> loadSegments() {
        return loadSegments;
    }

    /**
     * The unrelocated address of the program-header table, AT_PHDR minus the load bias. As the
     * kernel computes it since 5.18: e_phoff translated through the (last) PT_LOAD whose file bytes
     * contain it; PT_PHDR is not consulted. 0 when no PT_LOAD contains the table, which is what the
     * kernel passes then.
     *
     * @return the table's unrelocated address, or 0
     */
    public long phdrVaddr() {
        return phdrVaddr;
    }

    /**
     * e_phentsize.
     *
     * @return the size of one program header in bytes: always 56 once parsed
     */
    public int phent() {
        return phent;
    }

    /**
     * e_phnum.
     *
     * @return the number of program headers, PT_LOAD or not
     */
    public int phnum() {
        return phnum;
    }

    /**
     * PT_GNU_STACK as the kernel reads it.
     *
     * @return what the program asks of its stack's execute permission
     */
    public ExecutableStack executableStack() {
        return executableStack;
    }

    /**
     * Whether the stack must be mapped executable.
     *
     * @return true only with PT_GNU_STACK PF_X, as on x86-64
     */
    public boolean stackExecutable() {
        return executableStack == ExecutableStack.ENABLE_X;
    }

    /**
     * Whether there is a PT_TLS segment.
     *
     * @return true when the program has thread-local storage to set up
     */
    public boolean hasTls() {
        return hasTls;
    }

    /**
     * Models total_mapping_size(), fs/binfmt_elf.c: highest p_vaddr + p_memsz minus the lowest
     * page-aligned p_vaddr over all PT_LOADs (not page-aligned at the top; elf_map() does that).
     *
     * @return the size in bytes of the range the image's mappings span
     */
    public long totalMappingSize() {
        return elfBrk() - mappingStart();
    }

    /**
     * The lowest PT_LOAD p_vaddr, rounded down to a page (ELF_PAGESTART).
     *
     * @return the start of the image's mappings, unrelocated
     */
    public long mappingStart() {
        long min = -1L;
        for (LoadSegment s : loadSegments) {
            long start = s.vaddr() & -ElfImageParser.ELF_MIN_ALIGN;
            if (Long.compareUnsigned(start, min) < 0) {
                min = start;
            }
        }
        return min;
    }

    /**
     * {@link #elfBrk()} rounded up to a page (ELF_PAGEALIGN).
     *
     * @return the end of the image's mappings, unrelocated
     */
    public long mappingEnd() {
        return (elfBrk() + ElfImageParser.ELF_MIN_ALIGN - 1) & -ElfImageParser.ELF_MIN_ALIGN;
    }

    /**
     * The kernel's elf_brk before page alignment: the highest p_vaddr + p_memsz of any PT_LOAD,
     * unrelocated. mm->start_brk is ELF_PAGEALIGN(elf_brk + load_bias) for ET_EXEC; see the
     * package documentation for static PIE.
     *
     * @return the end of the highest segment in memory, unrelocated
     */
    public long elfBrk() {
        long max = 0;
        for (LoadSegment s : loadSegments) {
            if (Long.compareUnsigned(s.end(), max) > 0) {
                max = s.end();
            }
        }
        return max;
    }

    /**
     * Models maximum_alignment(), fs/binfmt_elf.c: the largest power-of-two p_align of the
     * PT_LOADs rounded up to a page; 0 when none is a power of two (the kernel's "at least one
     * page" is ELF_PAGEALIGN(0) = 0 then). Above a page, a static PIE's load bias is aligned to it.
     *
     * @return the alignment in bytes, a multiple of the page size, or 0
     */
    public long maximumAlignment() {
        long alignment = 0;
        for (LoadSegment s : loadSegments) {
            long a = s.align();
            if (a != 0 && (a & (a - 1)) == 0 && Long.compareUnsigned(a, alignment) > 0) {
                alignment = a;
            }
        }
        return (alignment + ElfImageParser.ELF_MIN_ALIGN - 1) & -ElfImageParser.ELF_MIN_ALIGN;
    }

    /**
     * The size of the file.
     *
     * @return the file's length in bytes
     */
    public long fileSize() {
        return file.length;
    }

    /**
     * A read-only little-endian view of a segment's p_filesz file bytes.
     *
     * @param segment one of {@link #loadSegments()}
     * @return a buffer over the snapshot, positioned at the segment's first byte
     * @throws IllegalArgumentException when the segment is not one of this image's
     */
    public ByteBuffer contents(LoadSegment segment) {
        if (!loadSegments.contains(segment)) {
            throw new IllegalArgumentException(
                    "segment is not one of this image's PT_LOAD segments (expected one of %s, got %s)"
                            .formatted(loadSegments, segment));
        }
        return ByteBuffer.wrap(file, (int) segment.fileOffset(), (int) segment.filesz()).slice()
                .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Copies {@code length} file bytes starting at {@code fileOffset} into {@code dst}, reading
     * zeros past the end of the file, as a page-cache read of a file's last page does.
     *
     * @param fileOffset the offset in the file of the first byte, not negative
     * @param dst        the destination array
     * @param dstOffset  the index in {@code dst} of the first byte
     * @param length     the number of bytes to fill in {@code dst}
     * @throws IllegalArgumentException when {@code fileOffset} is negative
     * @throws IndexOutOfBoundsException when the range does not fit in {@code dst}
     */
    public void readFile(long fileOffset, byte[] dst, int dstOffset, int length) {
        if (fileOffset < 0) {
            throw new IllegalArgumentException(
                    "fileOffset must not be negative (expected: >= 0, got %d)".formatted(fileOffset));
        }
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        int available = (int) Math.max(0, Math.min(length, file.length - fileOffset));
        if (available > 0) {
            System.arraycopy(file, (int) fileOffset, dst, dstOffset, available);
        }
        Arrays.fill(dst, dstOffset + available, dstOffset + length, (byte) 0);
    }

    @Override
    public String toString() {
        return "ElfImage[%s %s entry=0x%x phdr=0x%x phnum=%d %s tls=%b segments=%s]".formatted(
                path().map(Path::toString).orElse("<memory>"), type, entry, phdrVaddr, phnum,
                executableStack, hasTls, loadSegments);
    }
}

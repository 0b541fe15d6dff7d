/**
 * The pure part of the ELF loader: what {@code load_elf_binary()} in fs/binfmt_elf.c learns
 * from an executable before it maps anything, and the initial process stack that
 * {@code do_execveat_common()} (fs/exec.c) and {@code create_elf_tables()} (fs/binfmt_elf.c)
 * lay out.
 *
 * <p>{@link io.mmemu.kernel.elf.ElfImage#parse(java.nio.file.Path)} reads the ELF header and
 * the program-header table itself, as the kernel does, and rejects what the kernel rejects with
 * one exact {@link io.mmemu.kernel.elf.ElfFormatException} message; it also refuses what mmemu
 * cannot run (dynamically linked programs) and what would only fail later (a PT_LOAD whose file
 * bytes lie past the end of the file). Section headers are never read: the kernel ignores them
 * and stripped executables may have none.
 *
 * <p>{@link io.mmemu.kernel.elf.InitialStack#build} produces the bytes of the stack from the
 * final stack pointer up to the stack top, with no randomisation. The 16 AT_RANDOM bytes come
 * from the caller, that is from the run's seeded generator.
 *
 * <p>The reference is Linux 6.18 (the host kernel these classes were checked against; the code
 * involved has been stable since 6.10, which added the static-PIE alignment handling).
 */
package io.mmemu.kernel.elf;

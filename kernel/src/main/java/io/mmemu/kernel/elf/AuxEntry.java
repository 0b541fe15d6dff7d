package io.mmemu.kernel.elf;

/**
 * One (a_type, a_val) pair of the auxiliary vector (Elf64_auxv_t), as two words on the initial stack.
 *
 * @param type  a_type: what the value means
 * @param value a_val: a number or a guest address, as {@code type} says
 */
public record AuxEntry(AuxType type, long value) {
    @Override
    public String toString() {
        return "%s=0x%x".formatted(type, value);
    }
}

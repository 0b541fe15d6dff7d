package io.mmemu.kernel.elf;

/** One (a_type, a_val) pair of the auxiliary vector. */
public record AuxEntry(AuxType type, long value) {
    @Override
    public String toString() {
        return "%s=0x%x".formatted(type, value);
    }
}

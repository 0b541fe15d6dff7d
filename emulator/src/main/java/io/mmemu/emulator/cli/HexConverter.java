package io.mmemu.emulator.cli;

import picocli.CommandLine;

/** Parses an address as crash does: hexadecimal, with or without 0x. */
final class HexConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.startsWith("0x") || value.startsWith("0X") ? value.substring(2) : value;
        try {
            return Long.parseUnsignedLong(v, 16);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a hexadecimal address (e.g. 0x401000)");
        }
    }
}

package io.mmemu.emulator.cli;

import picocli.CommandLine;

/** Parses sizes as people write them: 4096, 512K, 256M, 16G (binary units). */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.trim().toUpperCase(java.util.Locale.ROOT);
        long mult = 1;
        if (v.endsWith("IB")) v = v.substring(0, v.length() - 2);
        else if (v.endsWith("B")) v = v.substring(0, v.length() - 1);
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'K' -> mult = 1L << 10;
                case 'M' -> mult = 1L << 20;
                case 'G' -> mult = 1L << 30;
                case 'T' -> mult = 1L << 40;
                default -> mult = 1;
            }
            if (mult != 1) v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v);
            if (n <= 0 || n > Long.MAX_VALUE / mult) throw new NumberFormatException();
            return n * mult;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size (expected: a number with an "
                    + "optional K, M or G suffix, e.g. 256M)");
        }
    }
}

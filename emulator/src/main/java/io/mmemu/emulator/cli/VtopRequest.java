package io.mmemu.emulator.cli;

import picocli.CommandLine;

/**
 * One {@code --vtop [PID:]ADDR}: the address (hexadecimal, as crash takes it) and the process whose
 * address space translates it, as crash's {@code vtop -c PID ADDR}; without a pid, the program's.
 *
 * @param pid  the process (its thread-group id), or 0 for the program run
 * @param addr the virtual address
 */
record VtopRequest(int pid, long addr) {
    /** Parses {@code [PID:]ADDR}. */
    static final class Converter implements CommandLine.ITypeConverter<VtopRequest> {
        @Override
        public VtopRequest convert(String value) {
            int colon = value.indexOf(':');
            int pid = 0;
            if (colon >= 0) {
                try {
                    pid = Integer.parseInt(value.substring(0, colon));
                } catch (NumberFormatException e) {
                    pid = -1;
                }
                if (pid <= 0) {
                    throw new CommandLine.TypeConversionException("'" + value.substring(0, colon) + "' is not a pid (e.g. 3:0x401000)");
                }
            }
            return new VtopRequest(pid, new HexConverter().convert(value.substring(colon + 1)));
        }
    }
}

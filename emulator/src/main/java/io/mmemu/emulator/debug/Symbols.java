package io.mmemu.emulator.debug;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The guest program's functions and objects from its ELF {@code .symtab} (gdb's minimal symbols),
 * moved by the load bias of a position-independent executable. A stripped program has none; the
 * debugger then takes addresses only.
 */
public final class Symbols {
    /** One symbol: its run-time address, size (0 when unknown) and name. */
    record Symbol(String name, long address, long size) {}

    private static final int SHT_SYMTAB = 2;
    private static final int STT_NOTYPE = 0;
    private static final int STT_OBJECT = 1;
    private static final int STT_FUNC = 2;

    private final TreeMap<String, Symbol> byName = new TreeMap<>();
    private final TreeMap<Long, Symbol> byAddress = new TreeMap<>();

    private Symbols(List<Symbol> symbols) {
        for (Symbol s : symbols) {
            byName.putIfAbsent(s.name(), s);
            byAddress.merge(s.address(), s, (a, b) -> a.size() >= b.size() ? a : b);
        }
    }

    /** {@return no symbols} */
    static Symbols none() {
        return new Symbols(List.of());
    }

    /**
     * Reads the functions and objects of {@code elf}'s symbol table, moved by what the loader added
     * to its addresses: where its entry point (e_entry) was loaded less e_entry (0 for a
     * fixed-address executable).
     *
     * @param elf   the program's file
     * @param entry where the program's entry point is in memory
     * @return the symbols, none when the file has no .symtab
     * @throws IOException when the file cannot be read
     */
    static Symbols read(Path elf, long entry) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(elf)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < 64) return none();
        long bias = entry - b.getLong(0x18); // e_entry
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
        int shnum = Short.toUnsignedInt(b.getShort(0x3C));
        List<Symbol> out = new ArrayList<>();
        for (int i = 0; i < shnum && shoff > 0; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            if (sh + 64 > b.limit() || b.getInt(sh + 4) != SHT_SYMTAB) continue;
            int off = (int) b.getLong(sh + 0x18);
            int size = (int) b.getLong(sh + 0x20);
            int link = b.getInt(sh + 0x28);
            int strSh = (int) (shoff + (long) link * shentsize);
            int strOff = (int) b.getLong(strSh + 0x18);
            for (int s = off; s + 24 <= off + size; s += 24) {
                int type = b.get(s + 4) & 0xf;
                int shndx = Short.toUnsignedInt(b.getShort(s + 6));
                long value = b.getLong(s + 8);
                boolean global = (b.get(s + 4) & 0xff) >>> 4 != 0;
                // Assembly labels such as _start are NOTYPE; local NOTYPE ones are compiler labels.
                boolean kept = type == STT_FUNC || type == STT_OBJECT || (type == STT_NOTYPE && global);
                if (!kept || shndx == 0 || value == 0) continue;
                String name = cString(b, strOff + b.getInt(s));
                if (!name.isEmpty() && !name.startsWith(".")) out.add(new Symbol(name, value + bias, b.getLong(s + 16)));
            }
        }
        out.sort(Comparator.comparing(Symbol::name));
        return new Symbols(out);
    }

    private static String cString(ByteBuffer b, int at) {
        int end = at;
        while (end < b.limit() && b.get(end) != 0) end++;
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** {@return how many symbols there are} */
    int size() {
        return byName.size();
    }

    /** {@return the address of {@code name}, if the program has that symbol} @param name a symbol */
    OptionalLong address(String name) {
        Symbol s = byName.get(name);
        return s == null ? OptionalLong.empty() : OptionalLong.of(s.address());
    }

    /** {@return every name, sorted (tab completion)} */
    List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /**
     * {@code <name+offset>} for an address inside a symbol (or just past one without a size), or "".
     *
     * @param address a guest address
     * @return the description, with its angle brackets, or ""
     */
    String describe(long address) {
        var e = byAddress.floorEntry(address);
        if (e == null) return "";
        Symbol s = e.getValue();
        long off = address - s.address();
        if (s.size() > 0 ? off >= s.size() : off > 0x1000) return "";
        return off == 0 ? "<" + s.name() + ">" : String.format(Locale.ROOT, "<%s+%d>", s.name(), off);
    }
}

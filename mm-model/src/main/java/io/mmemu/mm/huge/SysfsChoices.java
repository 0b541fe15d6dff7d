package io.mmemu.mm.huge;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The format of sysfs files that offer a fixed set of choices (enabled_show(), defrag_show(),
 * shmem_enabled_show(), thpsize_enabled_show(), mm/huge_memory.c and mm/shmem.c): every choice
 * on one line, separated by spaces, the current one in brackets.
 */
public final class SysfsChoices {
    private SysfsChoices() {}

    /**
     * Formats the choices.
     *
     * @param names   the choices, in the file's order
     * @param current the index of the current one
     * @return e.g. {@code "always [madvise] never\n"}
     */
    public static String show(List<String> names, int current) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) sb.append(' ');
            sb.append(i == current ? "[" + names.get(i) + "]" : names.get(i));
        }
        return sb.append('\n').toString();
    }

    /**
     * Formats the choices of an enum whose constants, lower-cased, are the file's words in
     * declaration order (enabled_show(), thpsize_enabled_show()).
     *
     * @param current the current choice
     * @return e.g. {@code "always [madvise] never\n"}
     */
    public static String show(Enum<?> current) {
        return show(Arrays.stream(current.getDeclaringClass().getEnumConstants()).map(SysfsChoices::word).toList(),
                current.ordinal());
    }

    /**
     * {@return choice {@code c}'s word in the file: its name, lower-cased}
     *
     * @param c a choice of an enum such as {@link #show(Enum)} formats
     */
    public static String word(Enum<?> c) {
        return c.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The choice a write names (after sysfs_streq()'s trimming), as the _store() handlers match it.
     *
     * @param type the enum of choices
     * @param word the word written
     * @return the choice, or null when none is called {@code word}
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String word) {
        for (E c : type.getEnumConstants()) {
            if (word(c).equals(word)) return c;
        }
        return null;
    }
}

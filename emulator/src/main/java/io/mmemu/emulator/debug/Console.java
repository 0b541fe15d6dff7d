package io.mmemu.emulator.debug;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/** Where the debugger's commands come from and its output goes: a terminal, or a script (--batch). */
interface Console extends AutoCloseable {
    /** The prompt, which a script's transcript shows before each command too. */
    String PROMPT = "(mmemu) ";

    /**
     * The next command.
     *
     * @return the line, or null at the end of the input
     */
    String readLine();

    /** {@return where output goes} */
    PrintStream out();

    @Override
    default void close() {}

    /** Closes {@code c}; a failure loses nothing (the input was read, or the session is over). */
    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing to save
        }
    }

    /**
     * A script: each non-blank line that is not a {@code #} comment is a command, echoed after the
     * prompt so that the transcript reads as a session.
     *
     * @param script the file
     * @param out    where the transcript goes
     * @return the console
     * @throws UncheckedIOException when the file cannot be read
     */
    static Console batch(Path script, PrintStream out) {
        BufferedReader in;
        try {
            in = Files.newBufferedReader(script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("--batch " + script + ": cannot read: " + e.getMessage(), e);
        }
        return new Console() {
            @Override
            public String readLine() {
                try {
                    String line;
                    while ((line = in.readLine()) != null) {
                        String t = line.strip();
                        if (t.isEmpty() || t.startsWith("#")) continue;
                        out.println(PROMPT + t);
                        return t;
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public PrintStream out() {
                return out;
            }

            @Override
            public void close() {
                closeQuietly(in);
            }
        };
    }

    /**
     * The terminal, through JLine: line editing, history (in ~/.mmemu_debug_history), and tab
     * completion of the command names and of {@code words}' (the program's symbols, the slab caches).
     *
     * @param commands the command names
     * @param words    more words to complete, asked for each time
     * @return the console
     * @throws UncheckedIOException when the terminal cannot be opened
     */
    static Console terminal(List<String> commands, Supplier<List<String>> words) {
        Terminal terminal;
        try {
            terminal = TerminalBuilder.builder().system(true).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the terminal: " + e.getMessage(), e);
        }
        LineReader reader = LineReaderBuilder.builder().terminal(terminal)
                .completer((r, line, candidates) -> {
                    List<String> all = line.wordIndex() == 0 ? commands : words.get();
                    new StringsCompleter(all).complete(r, line, candidates);
                })
                .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".mmemu_debug_history"))
                .build();
        PrintStream out = new PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
        return new Console() {
            private String last = "";

            @Override
            public String readLine() {
                while (true) {
                    try {
                        String line = reader.readLine(PROMPT).strip();
                        if (line.isEmpty()) line = last; // Enter repeats the last command, as in gdb
                        if (line.isEmpty()) continue;
                        last = line;
                        return line;
                    } catch (UserInterruptException e) {
                        out.println("(Ctrl-C: type quit to leave)");
                    } catch (EndOfFileException e) {
                        return null;
                    }
                }
            }

            @Override
            public PrintStream out() {
                return out;
            }

            @Override
            public void close() {
                closeQuietly(terminal);
            }
        };
    }
}

package io.mmemu.emulator.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Compiles a student's Java source file with the JDK's compiler (javax.tools) against mmemu's own
 * classes, and loads the class it declares. Compile errors come back as the compiler prints them.
 */
final class StudentCode {
    private StudentCode() {}

    /** Why a hand-in could not be turned into an object. */
    static final class Unusable extends Exception {
        Unusable(String message) {
            super(message);
        }
    }

    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    /**
     * A student's object with the class loader and directory its classes come from: they stay
     * until {@link #close}, since the JVM loads a class (a nested class, a lambda's) at first use.
     *
     * @param value  the object
     * @param loader the loader of the student's classes
     * @param dir    the directory they were compiled into
     */
    record Loaded<T>(T value, URLClassLoader loader, Path dir) implements AutoCloseable {
        @Override
        public void close() {
            try {
                loader.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
            deleteTree(dir);
        }
    }

    /**
     * Compiles {@code source} and instantiates its public class, which must implement {@code type}.
     *
     * @param source the .java file, whose public class is named after the file
     * @param type   the interface the class must implement
     */
    static <T> Loaded<T> load(Path source, Class<T> type) throws Unusable {
        if (!Files.isRegularFile(source)) throw new Unusable("no file " + source + " (expected your " + source.getFileName() + ")");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) throw new Unusable("this Java runtime has no compiler (javax.tools): run mmemu with a JDK");
        Path out = null;
        URLClassLoader loader = null;
        try {
            out = Files.createTempDirectory("mmemu-lab");
            String text = Files.readString(source);
            String simple = source.getFileName().toString().replaceFirst("\\.java$", "");
            Matcher m = PACKAGE.matcher(text);
            String className = m.find() ? m.group(1) + "." + simple : simple;
            ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
            int rc = javac.run(null, diagnostics, diagnostics, "-d", out.toString(), "-cp", classPathOf(type),
                    "-proc:none", "-nowarn", source.toString());
            if (rc != 0) {
                throw new Unusable("your " + source.getFileName() + " does not compile:\n"
                        + diagnostics.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
            }
            loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, type.getClassLoader());
            Class<?> c = loader.loadClass(className);
            if (!type.isAssignableFrom(c)) throw new Unusable(className + " does not implement " + type.getName());
            Loaded<T> loaded = new Loaded<>(type.cast(c.getDeclaredConstructor().newInstance()), loader, out);
            loader = null;
            out = null;
            return loaded;
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new Unusable("cannot create your " + source.getFileName() + "'s class with a no-argument constructor: " + e);
        } catch (IOException e) {
            throw new Unusable("cannot compile " + source + ": " + e.getMessage());
        } finally {
            if (loader != null) {
                try {
                    loader.close();
                } catch (IOException ignored) {
                    // nothing more to release
                }
            }
            if (out != null) deleteTree(out);
        }
    }

    /** The class path holding {@code type}: its class directory or jar. */
    private static String classPathOf(Class<?> type) throws Unusable {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            throw new Unusable("cannot find mmemu's classes to compile against: " + e);
        }
    }

    /** Deletes {@code dir} and everything under it, as far as it can. */
    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}

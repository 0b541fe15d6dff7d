package io.mmemu.emulator.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Lab 3, page faults: the student's C program must cause exactly a given number of zero-page
 * maps, COW copies, COW reuses and stack expansions beyond what the starter file causes. The
 * grader builds it statically with musl as the project's guest programs are built
 * (test-programs/build-guests.sh), runs it and the starter under mmemu, and compares the
 * difference of their {@link FaultCounts} with the pattern.
 */
final class PageFaultLab implements Lab {
    /** The hand-in's file. */
    static final String HAND_IN = "faults.c";

    /** The pattern, beyond the starter file's faults: what README.md asks for. */
    static final long ZERO_PAGE_MAPS = 4, COW_COPIES = 3, COW_REUSES = 2, STACK_EXPANDS = 1;

    static final String ZERO = "zero-page maps", COPIES = "COW copies", REUSES = "COW reuses", STACK = "stack expansions",
            RUNS = "the program runs and exits 0";

    /**
     * The starter file, labs/3-page-faults/faults.c as given (a test keeps the two the same): built
     * the same way, it is the baseline whose faults (loading, libc's start, the fork() and the
     * child's exit, exit) are not the student's.
     */
    static final String BASELINE = """
            /*
             * Lab 3: make this program cause exactly, beyond what this file as given causes:
             *   4 zero-page maps, 3 COW copies, 2 COW reuses, 1 stack expansion.
             * Read README.md, then check with:  bin/mmemu lab check 3
             * Keep the fork()/waitpid() below: the grader measures this file as given as the baseline.
             */
            #include <sys/mman.h>
            #include <sys/wait.h>
            #include <unistd.h>

            int main(void) {
                /* Part 1: before fork(). */

                pid_t pid = fork();
                if (pid == 0) _exit(0); /* the child exits at once */
                waitpid(pid, 0, 0);

                /* Part 2: after the child has exited. */

                return 0;
            }
            """;

    static Map<String, Integer> checks() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put(RUNS, 1);
        m.put(ZERO, 3);
        m.put(COPIES, 2);
        m.put(REUSES, 2);
        m.put(STACK, 2);
        return m;
    }

    @Override
    public int number() {
        return 3;
    }

    @Override
    public String directory() {
        return "3-page-faults";
    }

    @Override
    public String title() {
        return "Page faults: a C program with an exact pattern of zero-page, COW and stack-growth faults";
    }

    @Override
    public LabReport check(Path dir) {
        LabReport report = new LabReport("Lab 3: " + title());
        Path work = null;
        try {
            work = Files.createTempDirectory("mmemu-lab3");
            Path src = dir.resolve(HAND_IN);
            if (!Files.isRegularFile(src)) {
                report.unusable("no file " + src + " (expected your " + HAND_IN + ")", checks());
                return report;
            }
            Path base = work.resolve("starter.c");
            Files.writeString(base, BASELINE);
            String err = build(src, work.resolve("faults"));
            if (err != null) {
                report.unusable(err, checks());
                return report;
            }
            String baseErr = build(base, work.resolve("baseline"));
            if (baseErr != null) throw new IOException(baseErr);
            FaultCounts starter = FaultCounts.of(work.resolve("baseline"), 60);
            FaultCounts run = FaultCounts.of(work.resolve("faults"), 60);
            FaultCounts d = run.minus(starter);
            String measured = "\n  yours: " + run + "\n  the starter file: " + starter;
            report.check(RUNS, 1, run.status() == 0 ? null : "exit status " + run.status() + " (expected 0); it printed:\n"
                    + (run.output().isBlank() ? "(nothing)" : run.output().strip()));
            report.check(ZERO, 3, compare("zero-page maps", ZERO_PAGE_MAPS, d.zeroPageMap(), zeroHint(d), measured));
            report.check(COPIES, 2, compare("COW copies", COW_COPIES, d.cowFault(), copyHint(d), measured));
            report.check(REUSES, 2, compare("COW reuses", COW_REUSES, d.cowReuse(), reuseHint(d), measured));
            report.check(STACK, 2, compare("stack expansions", STACK_EXPANDS, d.stackExpand(), stackHint(d), measured));
        } catch (IOException e) {
            report.unusable("cannot build or run: " + e.getMessage(), checks());
        } finally {
            if (work != null) StudentCode.deleteTree(work);
        }
        return report;
    }

    /** Null when {@code got} is {@code want}; else what was expected, the hint and the counts measured. */
    private static String compare(String what, long want, long got, String hint, String measured) {
        if (want == got) return null;
        String s = "expected " + want + " " + what + " beyond the starter file as given, got " + got;
        return (hint.isEmpty() ? s : s + "\n  " + hint) + measured;
    }

    private static String offByOne(long want, long got) {
        return Math.abs(want - got) == 1 ? "off by one page: a page faults once however many bytes of it are touched, "
                + "so count the distinct pages your loop reaches (4096 bytes each, and is the last one included?); " : "";
    }

    private static String zeroHint(FaultCounts d) {
        String s = offByOne(ZERO_PAGE_MAPS, d.zeroPageMap());
        if (d.zeroPageMap() < ZERO_PAGE_MAPS) {
            s += "only a read of an untouched anonymous page maps the zero page (do_anonymous_page()); a write "
                    + "before any read gets a fresh zeroed page instead: read first, then write";
        }
        return s;
    }

    private static String copyHint(FaultCounts d) {
        String s = offByOne(COW_COPIES, d.cowFault());
        if (d.cowFault() < COW_COPIES && d.zeroPageMap() < ZERO_PAGE_MAPS) {
            s += "a write to a page that maps the zero page copies it (wp_page_copy()); a page written before it was "
                    + "read never maps the zero page, so its write copies nothing (writes before reads)";
        } else if (d.cowFault() > COW_COPIES) {
            s += "after fork() parent and child share every private page write-protected: each first write to one, "
                    + "while the other process still maps it, copies it (the stack page and libc's data too)";
        }
        return s;
    }

    private static String reuseHint(FaultCounts d) {
        String s = offByOne(COW_REUSES, d.cowReuse());
        return s + "a write to a write-protected private page that no other process maps any more keeps the page "
                + "(wp_page_reuse()): after fork(), once the child has exited, the parent's first write to each shared page";
    }

    private static String stackHint(FaultCounts d) {
        return offByOne(STACK_EXPANDS, d.stackExpand()) + "the stack VMA grows when a fault hits the page below it "
                + "(expand_stack()); exec sets it up 128 KiB deep beyond the arguments (setup_arg_pages()), so touch "
                + "further down than that, one page at a time from the top";
    }

    /** Builds {@code src} as the guest programs are built: musl-gcc -static -O2 -Wall; null or the compiler's complaint. */
    static String build(Path src, Path out) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("musl-gcc", "-static", "-O2", "-Wall", "-o", out.toString(), src.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return "musl-gcc is missing (bin/setup installs it; or: apt-get install musl-tools)";
        }
        try {
            byte[] text = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "musl-gcc did not finish in 120 s";
            }
            if (p.exitValue() != 0) {
                return "your " + src.getFileName() + " does not compile (" + String.join(" ", cmd) + "):\n"
                        + new String(text, StandardCharsets.UTF_8).strip();
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}

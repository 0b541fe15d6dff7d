package io.mmemu.emulator.lab;

import java.nio.file.Path;

/** One autograded lab: its number, its directory name under {@code labs/}, and its grader. */
interface Lab {
    /** {@return the lab's number, as {@code lab check N} takes it} */
    int number();

    /** {@return the lab's directory under labs/, e.g. "1-page-tables"} */
    String directory();

    /** {@return a one-line title} */
    String title();

    /**
     * Grades the hand-in in {@code dir} (the student's copy of the lab's directory).
     *
     * @param dir where the hand-in's files are
     * @return the checks and the score
     */
    LabReport check(Path dir);
}

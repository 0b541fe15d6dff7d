package io.mmemu.emulator.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The labs there are, in order. */
final class Labs {
    private Labs() {}

    static final List<Lab> ALL = List.of(new PageTableLab(), new TlbLab(), new PageFaultLab(), new SlubLab());

    /** The lab numbered {@code n}, or null. */
    static Lab byNumber(int n) {
        for (Lab l : ALL) if (l.number() == n) return l;
        return null;
    }

    /**
     * Where a hand-in is when no path is given: the lab's directory under {@code labs/} of the
     * current directory or of its parent, else the current directory itself.
     */
    static Path defaultDir(Lab lab, Path cwd) {
        for (Path base = cwd.toAbsolutePath(); base != null; base = base.getParent()) {
            Path d = base.resolve("labs").resolve(lab.directory());
            if (Files.isDirectory(d)) return d;
            if (base.getFileName() != null && base.getFileName().toString().equals(lab.directory())) return base;
        }
        return cwd;
    }
}

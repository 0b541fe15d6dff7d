package io.mmemu.emulator.record;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The program file of a recorded run: the log's header names the directory the run started in
 * and the SHA-256 of the file, so that a replay finds the same program from any directory (a
 * campaign's logs are replayed from elsewhere) and refuses another one (a rebuilt guest would
 * diverge somewhere deep in the run, with a report that would not say why).
 */
final class RecordedProgram {
    private RecordedProgram() {}

    /**
     * What the header says of {@code program}: {"cwd": ..., "sha256": ...}.
     *
     * @param program the program as given (relative to {@code cwd} when not absolute)
     * @param cwd     the directory the run starts in
     * @return the object, without the hash when the file cannot be read (the run then fails to exec)
     */
    static JsonObject describe(Path program, Path cwd) {
        JsonObject o = new JsonObject();
        o.addProperty("cwd", cwd.toAbsolutePath().normalize().toString());
        String hash = sha256(cwd.resolve(program));
        if (hash != null) o.addProperty("sha256", hash);
        return o;
    }

    /** {@return the directory the run started in} */
    static Path cwd(LogReader.RunLog log) {
        JsonObject p = programOf(log);
        return p != null && p.has("cwd") ? Path.of(p.get("cwd").getAsString()) : Path.of("").toAbsolutePath();
    }

    /**
     * The directory to run the recorded program from here: the recording's, when the program is
     * there, or else this one (another machine with the same layout); the file must have the
     * recorded hash.
     *
     * @param log     the log
     * @param program the program as the configuration gives it
     * @return the directory {@code program} resolves against
     * @throws LogFormatException when no file with the recorded contents is found
     */
    static Path locate(LogReader.RunLog log, Path program) throws LogFormatException {
        JsonObject p = programOf(log);
        String want = p != null && p.has("sha256") ? p.get("sha256").getAsString() : null;
        String found = null;
        for (Path dir : new Path[] {cwd(log), Path.of("").toAbsolutePath()}) {
            Path candidate = dir.resolve(program);
            if (!Files.isRegularFile(candidate)) continue;
            String hash = sha256(candidate);
            if (want == null || want.equals(hash)) return dir;
            found = candidate + " (sha256 " + hash + ")";
        }
        if (found != null) {
            throw new LogFormatException("the program is not the recorded one: " + found + ", recorded sha256 " + want);
        }
        throw new LogFormatException("the recorded program " + program + " is neither in " + cwd(log)
                + " (where the run was recorded) nor here");
    }

    private static JsonObject programOf(LogReader.RunLog log) {
        try {
            JsonElement e = JsonParser.parseString(log.configJson());
            if (!e.isJsonObject()) return null;
            JsonElement p = e.getAsJsonObject().get("programFile");
            return p != null && p.isJsonObject() ? p.getAsJsonObject() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException | NoSuchAlgorithmException | OutOfMemoryError e) {
            return null;
        }
    }
}

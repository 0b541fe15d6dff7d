package io.mmemu.emulator.unicorn;

/**
 * A Java hook threw while native code was calling it. The hook's exception was caught at the
 * native boundary, the engine stopped, and it is raised here, from {@link Unicorn#emuStart}.
 */
public final class HookFailedException extends UnicornException {
    private static final long serialVersionUID = 1L;

    HookFailedException(String hook, Throwable cause) {
        super("the " + hook + " hook threw " + cause, cause);
    }
}

package io.mmemu.emulator.cli;

import java.util.List;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Builders for picocli's programmatic model, which the commands on the start-up path use (the
 * top level, run and the options every guest-running command shares) instead of annotations.
 * Reading annotations costs a cold start about 55 ms in the interpreter: the JDK parses each
 * member's annotations into proxy instances, generates a proxy class per annotation type, and
 * picocli reads every field's initial value by reflection. In a cold JVM with mmemu's AOT cache,
 * run's options took 72 ms to parse from annotations and 16 ms built as specs. The usage text is
 * the same either way: picocli renders the model, however it was made.
 *
 * <p>Values live in the specs ({@link ArgSpec#getValue()}); each command reads them through small
 * accessors.
 */
final class OptionSpecs {
    private OptionSpecs() {}

    /**
     * Builds {@code option}, gives it its initial value (picocli would only at a parse, and some
     * callers run with the options unparsed, at their defaults) and adds it to {@code spec}.
     *
     * @param spec   the command or mixin
     * @param option the option
     * @return the option, whose value its owner reads
     */
    static OptionSpec add(CommandSpec spec, OptionSpec.Builder option) {
        OptionSpec o = option.build();
        o.setValue(o.initialValue());
        spec.addOption(o);
        return o;
    }

    /** {@return a flag: a boolean option that is false unless given} */
    static OptionSpec.Builder flag(String name, String description) {
        return OptionSpec.builder(name).type(boolean.class).initialValue(false).description(description);
    }

    /**
     * An option with a parameter.
     *
     * @param name        the option's name
     * @param label       its parameter's label in the usage
     * @param type        the parameter's type (picocli converts to it)
     * @param initial     its value when the option is not given, which is also what the usage's
     *                    {@code ${DEFAULT-VALUE}} shows unless a defaultValue text is set
     * @param description the usage text
     * @return the builder
     */
    static OptionSpec.Builder value(String name, String label, Class<?> type, Object initial, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(type).initialValue(initial).description(description);
    }

    /** {@return a repeatable option whose parameters collect in a list of strings} */
    static OptionSpec.Builder repeatable(String name, String label, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(List.class).auxiliaryTypes(String.class)
                .description(description);
    }

    /**
     * {@return positional parameter {@code index}: one value ("0"), required, or the strings from
     * there on ("1..*"), optional; the arities picocli gives such annotated fields}
     */
    static PositionalParamSpec positional(String index, String label, Class<?> type, String description) {
        PositionalParamSpec.Builder b = PositionalParamSpec.builder().index(index).paramLabel(label).description(description);
        return (type == List.class ? b.type(List.class).auxiliaryTypes(String.class).arity("0..*")
                : b.type(type).arity("1").required(true)).build();
    }

    /** Adds -h/--help and -V/--version, as {@code mixinStandardHelpOptions = true} does. */
    static void addStandardHelpOptions(CommandSpec spec) {
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
    }

    /** {@return whether flag {@code f} was given} */
    static boolean isSet(OptionSpec f) {
        return Boolean.TRUE.equals(f.getValue());
    }

    /** {@return the values a repeatable option or a varargs positional collected, in order (empty when none)} */
    static <T> List<T> list(ArgSpec a) {
        List<T> v = a.getValue();
        return v == null ? List.of() : v;
    }
}

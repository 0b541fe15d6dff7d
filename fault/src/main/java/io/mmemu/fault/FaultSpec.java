package io.mmemu.fault;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code --fail} argument: a point and the attributes to give it,
 * {@code POINT[:NAME=VALUE[,NAME=VALUE]...]}, e.g.
 * {@code failslab:probability=10,interval=1,times=5,cache-filter=vm_area_struct}. Values that are
 * lists (instruction counts, cache names) separate their items with '+'.
 *
 * @param point  the point
 * @param values the attributes and knobs named, in the order given
 */
public record FaultSpec(FaultPoint point, Map<String, String> values) {
    /**
     * Keeps an unmodifiable copy of the values.
     *
     * @param point  the point
     * @param values the attributes and knobs named
     */
    public FaultSpec {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * Parses a spec, checking every name and value against the point.
     *
     * @param text the spec
     * @return the spec
     * @throws IllegalArgumentException saying what is wrong, when it does not parse
     */
    public static FaultSpec parse(String text) {
        int colon = text.indexOf(':');
        FaultPoint point = FaultPoint.byName(colon < 0 ? text : text.substring(0, colon));
        Map<String, String> values = new LinkedHashMap<>();
        if (colon >= 0 && colon + 1 < text.length()) {
            for (String kv : text.substring(colon + 1).split(",")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("'" + kv + "' in '" + text + "' is not NAME=VALUE");
                values.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
            }
        }
        FaultSpec spec = new FaultSpec(point, values);
        spec.applyTo(new FaultAttr(point)); // validates
        return spec;
    }

    /**
     * Configures {@code attr}: the point's command-line defaults first, then the values given.
     *
     * @param attr the point's attributes
     * @throws IllegalArgumentException when a name or value does not fit the point
     */
    public void applyTo(FaultAttr attr) {
        point.commandLineDefaults().forEach(attr::set);
        values.forEach(attr::set);
    }

    /**
     * Configures the point of {@code injector}.
     *
     * @param injector the machine's fault injection
     */
    public void applyTo(FaultInjector injector) {
        applyTo(injector.attr(point));
    }

    /** {@return the spec as {@link #parse} reads it} */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(point.linuxName());
        char sep = ':';
        for (Map.Entry<String, String> e : values.entrySet()) {
            b.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ',';
        }
        return b.toString();
    }
}

package io.mmemu.emulator.run;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.mmemu.fault.FaultSpec;
import io.mmemu.kernel.CpuModel;
import io.mmemu.kernel.Kernel;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.TlbOptions;
import io.mmemu.mm.huge.ThpPolicy;
import io.mmemu.slub.SlabFlags;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything that shapes a guest run, and nothing that only shows it: the program and its
 * arguments and environment, the machine (RAM, CPUs, time slice, TLBs), the seed, the faults armed
 * and the limits. Two runs of equal configurations (and equal faults, when a schedule is replayed)
 * do the same thing instruction for instruction: this is what a recorded log's header holds and
 * what a campaign varies the seed of.
 *
 * @param program           the static x86-64 ELF to run
 * @param args              its arguments after argv[0] (which is the program's path as given)
 * @param env               its environment, NAME=VALUE strings (otherwise empty)
 * @param ramBytes          guest RAM in bytes, a multiple of 2 MiB
 * @param aslr              whether addresses are randomised
 * @param seed              the seed of the run's random choices
 * @param cpus              CPUs, 1 to {@link Kernel#MAX_CPUS}
 * @param quantum           the time slice in instructions
 * @param tlbPreset         the TLB hierarchy preset (typical, teaching, intel-golden-cove, amd-zen4)
 * @param pcid              whether Linux uses PCIDs
 * @param checkTlb          whether the stale-translation checker runs after TLB-changing syscalls
 * @param dropShootdowns    whether every TLB-shootdown IPI is dropped
 * @param precise           whether every access goes through the model TLB
 * @param exactTlb          whether model TLB evictions also drop the engine's entries
 * @param countInstructions whether instructions are counted from the start (--stats)
 * @param verbose           whether unimplemented syscalls and the end of the run are reported
 * @param root              the directory the guest sees read-only as "/", or null
 * @param maxInstructions   stop after this many instructions over all CPUs, 0 for no limit
 * @param fail              the --fail specifications, in order
 * @param slubDebug         the kernel's slub_debug= option (Linux's syntax, e.g. FZP or F,vm_area_struct), or null
 * @param thp               the transparent-huge-page policy: always, madvise (the default) or never
 * @param cpuModel          the CPUs' model: qemu64 (the default, no PKU) or skylake-server (PKU)
 */
public record RunConfig(Path program, List<String> args, List<String> env, long ramBytes, boolean aslr, long seed,
        int cpus, long quantum, String tlbPreset, boolean pcid, boolean checkTlb, boolean dropShootdowns,
        boolean precise, boolean exactTlb, boolean countInstructions, boolean verbose, Path root, long maxInstructions,
        List<String> fail, String slubDebug, String thp, String cpuModel) {
    /** The default of {@code --thp}, as most distributions configure Linux. */
    public static final String DEFAULT_THP = "madvise";

    /** The version of {@link #toJson}'s form; {@link #fromJson} reads this one. */
    public static final int JSON_VERSION = 1;

    /** Copies the lists. */
    public RunConfig {
        args = List.copyOf(args);
        env = List.copyOf(env);
        fail = List.copyOf(fail);
    }

    /**
     * A configuration with the default THP policy ({@link #DEFAULT_THP}).
     *
     * @param program           the static x86-64 ELF to run
     * @param args              its arguments after argv[0]
     * @param env               its environment
     * @param ramBytes          guest RAM in bytes
     * @param aslr              whether addresses are randomised
     * @param seed              the seed of the run's random choices
     * @param cpus              CPUs
     * @param quantum           the time slice in instructions
     * @param tlbPreset         the TLB hierarchy preset
     * @param pcid              whether Linux uses PCIDs
     * @param checkTlb          whether the stale-translation checker runs
     * @param dropShootdowns    whether every TLB-shootdown IPI is dropped
     * @param precise           whether every access goes through the model TLB
     * @param exactTlb          whether model TLB evictions also drop the engine's entries
     * @param countInstructions whether instructions are counted from the start
     * @param verbose           whether unimplemented syscalls and the end of the run are reported
     * @param root              the directory the guest sees read-only as "/", or null
     * @param maxInstructions   stop after this many instructions, 0 for no limit
     * @param fail              the --fail specifications
     * @param slubDebug         the kernel's slub_debug= option, or null
     */
    public RunConfig(Path program, List<String> args, List<String> env, long ramBytes, boolean aslr, long seed,
            int cpus, long quantum, String tlbPreset, boolean pcid, boolean checkTlb, boolean dropShootdowns,
            boolean precise, boolean exactTlb, boolean countInstructions, boolean verbose, Path root, long maxInstructions,
            List<String> fail, String slubDebug) {
        this(program, args, env, ramBytes, aslr, seed, cpus, quantum, tlbPreset, pcid, checkTlb, dropShootdowns, precise,
                exactTlb, countInstructions, verbose, root, maxInstructions, fail, slubDebug, DEFAULT_THP, CpuModel.DEFAULT);
    }

    /**
     * The defaults of {@code mmemu run} for {@code program}: 256 MiB, ASLR on, seed 1, one CPU.
     *
     * @param program the program
     * @param args    its arguments after argv[0]
     * @return the configuration
     */
    public static RunConfig defaults(Path program, List<String> args) {
        return new RunConfig(program, args, List.of(), 256L << 20, true, 1, 1, 200_000, "typical", true, false, false,
                false, false, false, false, null, 0, List.of(), null);
    }

    /**
     * Checks what a machine cannot be built from, with the message the command line prints.
     *
     * @throws IllegalArgumentException naming the option and what it expects
     */
    public void validate() {
        if (cpus < 1 || cpus > Kernel.MAX_CPUS) {
            throw new IllegalArgumentException("--cpus " + cpus + ": expected 1 to " + Kernel.MAX_CPUS);
        }
        if (quantum < 1) throw new IllegalArgumentException("--quantum " + quantum + ": expected a positive instruction count");
        if (maxInstructions < 0) {
            throw new IllegalArgumentException("--max-instructions " + maxInstructions + ": expected a positive instruction count");
        }
        try {
            tlbOptions();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tlb: " + e.getMessage(), e);
        }
        try {
            ThpPolicy.parse(thp);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--thp: " + e.getMessage(), e);
        }
        try {
            CpuModel.parse(cpuModel);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cpu-model: " + e.getMessage(), e);
        }
        faultSpecs();
        if (slubDebug != null) {
            try {
                SlabFlags.SlubDebug.parse(slubDebug);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--slub-debug " + slubDebug + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The parsed --fail specifications.
     *
     * @return one per {@link #fail} entry
     * @throws IllegalArgumentException when one does not parse, with "--fail: " and the reason
     */
    public List<FaultSpec> faultSpecs() {
        List<FaultSpec> specs = new ArrayList<>();
        for (String f : fail) {
            try {
                specs.add(FaultSpec.parse(f));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--fail: " + e.getMessage(), e);
            }
        }
        return specs;
    }

    /** {@return the TLB options} */
    public TlbOptions tlbOptions() {
        return new TlbOptions(tlbPreset, pcid, checkTlb, dropShootdowns, precise);
    }

    /**
     * The machine's options with the guest's streams from {@code io}.
     *
     * @param io the streams
     * @return the options
     */
    public MachineOptions machineOptions(GuestIo io) {
        return new MachineOptions(ramBytes, aslr, seed, countInstructions, verbose, io.stdout(), io.stderr(), io.log(),
                exactTlb, root, io.stdin(), cpus, quantum, tlbOptions(), slubDebug, ThpPolicy.parse(thp),
                CpuModel.parse(cpuModel));
    }

    /** {@return argv: the program's path as given, then the arguments} */
    public List<String> argv() {
        List<String> argv = new ArrayList<>();
        argv.add(program.toString());
        argv.addAll(args);
        return argv;
    }

    /**
     * The same run with another seed.
     *
     * @param s the seed
     * @return the configuration
     */
    public RunConfig withSeed(long s) {
        return new RunConfig(program, args, env, ramBytes, aslr, s, cpus, quantum, tlbPreset, pcid, checkTlb,
                dropShootdowns, precise, exactTlb, countInstructions, verbose, root, maxInstructions, fail, slubDebug, thp, cpuModel);
    }

    /**
     * The same run with other faults armed.
     *
     * @param specs the --fail specifications
     * @return the configuration
     */
    public RunConfig withFail(List<String> specs) {
        return new RunConfig(program, args, env, ramBytes, aslr, seed, cpus, quantum, tlbPreset, pcid, checkTlb,
                dropShootdowns, precise, exactTlb, countInstructions, verbose, root, maxInstructions, specs, slubDebug, thp, cpuModel);
    }

    /**
     * The same run with instruction counting on or off.
     *
     * @param on whether instructions are counted from the start
     * @return the configuration
     */
    public RunConfig withCountInstructions(boolean on) {
        return new RunConfig(program, args, env, ramBytes, aslr, seed, cpus, quantum, tlbPreset, pcid, checkTlb,
                dropShootdowns, precise, exactTlb, on, verbose, root, maxInstructions, fail, slubDebug, thp, cpuModel);
    }

    /**
     * The same run on another machine: its RAM, CPUs and time slice.
     *
     * @param ram the guest RAM in bytes
     * @param n   the CPUs
     * @param q   the time slice in instructions
     * @return the configuration
     */
    public RunConfig withMachine(long ram, int n, long q) {
        return new RunConfig(program, args, env, ram, aslr, seed, n, q, tlbPreset, pcid, checkTlb, dropShootdowns,
                precise, exactTlb, countInstructions, verbose, root, maxInstructions, fail, slubDebug, thp, cpuModel);
    }

    /**
     * The same run with ASLR on or off and the stale-translation checker on or off.
     *
     * @param randomise whether addresses are randomised
     * @param check     whether the stale-translation checker runs
     * @return the configuration
     */
    public RunConfig withAslrAndCheckTlb(boolean randomise, boolean check) {
        return new RunConfig(program, args, env, ramBytes, randomise, seed, cpus, quantum, tlbPreset, pcid, check,
                dropShootdowns, precise, exactTlb, countInstructions, verbose, root, maxInstructions, fail, slubDebug, thp, cpuModel);
    }

    /**
     * The same run with another slub_debug= option.
     *
     * @param option Linux's slub_debug= syntax, or null for none
     * @return the configuration
     */
    public RunConfig withSlubDebug(String option) {
        return new RunConfig(program, args, env, ramBytes, aslr, seed, cpus, quantum, tlbPreset, pcid, checkTlb,
                dropShootdowns, precise, exactTlb, countInstructions, verbose, root, maxInstructions, fail, option, thp, cpuModel);
    }

    /**
     * The options of {@code mmemu run} that give this configuration, for a person to reproduce it
     * (the program and its arguments not included).
     *
     * @return the options, each value its own element
     */
    public List<String> toArguments() {
        List<String> a = new ArrayList<>();
        if (ramBytes != 256L << 20) a.addAll(List.of("--ram", ramBytes % (1L << 30) == 0 ? (ramBytes >> 30) + "G"
                : (ramBytes >> 20) + "M"));
        if (!aslr) a.add("--no-aslr");
        a.addAll(List.of("--seed", Long.toString(seed)));
        if (cpus != 1) a.addAll(List.of("--cpus", Integer.toString(cpus)));
        if (quantum != 200_000) a.addAll(List.of("--quantum", Long.toString(quantum)));
        if (!tlbPreset.equals("typical")) a.addAll(List.of("--tlb", tlbPreset));
        if (!pcid) a.add("--no-pcid");
        if (checkTlb) a.add("--check-tlb");
        if (dropShootdowns) a.add("--drop-shootdowns");
        if (precise) a.add("--precise");
        if (exactTlb) a.add("--exact-tlb");
        if (countInstructions) a.add("--stats");
        if (verbose) a.add("--verbose");
        if (root != null) a.addAll(List.of("--root", root.toString()));
        if (maxInstructions != 0) a.addAll(List.of("--max-instructions", Long.toString(maxInstructions)));
        for (String f : fail) a.addAll(List.of("--fail", f));
        if (slubDebug != null) a.addAll(List.of("--slub-debug", slubDebug));
        if (!thp.equals(DEFAULT_THP)) a.addAll(List.of("--thp", thp));
        if (!cpuModel.equals(CpuModel.DEFAULT)) a.addAll(List.of("--cpu-model", cpuModel));
        for (String e : env) a.addAll(List.of("--env", e));
        return a;
    }

    /** {@return the configuration as one JSON object (Gson's tree, fields named as the record's)} */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("version", JSON_VERSION);
        o.addProperty("program", program.toString());
        o.add("args", strings(args));
        o.add("env", strings(env));
        o.addProperty("ramBytes", ramBytes);
        o.addProperty("aslr", aslr);
        o.addProperty("seed", seed);
        o.addProperty("cpus", cpus);
        o.addProperty("quantum", quantum);
        o.addProperty("tlbPreset", tlbPreset);
        o.addProperty("pcid", pcid);
        o.addProperty("checkTlb", checkTlb);
        o.addProperty("dropShootdowns", dropShootdowns);
        o.addProperty("precise", precise);
        o.addProperty("exactTlb", exactTlb);
        o.addProperty("countInstructions", countInstructions);
        o.addProperty("verbose", verbose);
        if (root != null) o.addProperty("root", root.toString());
        o.addProperty("maxInstructions", maxInstructions);
        o.add("fail", strings(fail));
        if (slubDebug != null) o.addProperty("slubDebug", slubDebug);
        o.addProperty("thp", thp);
        if (!cpuModel.equals(CpuModel.DEFAULT)) o.addProperty("cpuModel", cpuModel);
        return o;
    }

    /**
     * Reads {@link #toJson}'s form.
     *
     * @param o the object
     * @return the configuration
     * @throws JsonParseException when a field is missing or of the wrong kind, or the version is not ours
     */
    public static RunConfig fromJson(JsonObject o) {
        try {
            int version = o.get("version").getAsInt();
            if (version != JSON_VERSION) {
                throw new JsonParseException("run configuration version " + version + " (this mmemu reads " + JSON_VERSION + ")");
            }
            return new RunConfig(Path.of(o.get("program").getAsString()), list(o, "args"), list(o, "env"),
                    o.get("ramBytes").getAsLong(), o.get("aslr").getAsBoolean(), o.get("seed").getAsLong(),
                    o.get("cpus").getAsInt(), o.get("quantum").getAsLong(), o.get("tlbPreset").getAsString(),
                    o.get("pcid").getAsBoolean(), o.get("checkTlb").getAsBoolean(), o.get("dropShootdowns").getAsBoolean(),
                    o.get("precise").getAsBoolean(), o.get("exactTlb").getAsBoolean(),
                    o.get("countInstructions").getAsBoolean(), o.get("verbose").getAsBoolean(),
                    o.has("root") ? Path.of(o.get("root").getAsString()) : null, o.get("maxInstructions").getAsLong(),
                    list(o, "fail"), o.has("slubDebug") ? o.get("slubDebug").getAsString() : null,
                    o.has("thp") ? o.get("thp").getAsString() : DEFAULT_THP, // logs from before --thp ran with madvise
                    o.has("cpuModel") ? o.get("cpuModel").getAsString() : CpuModel.DEFAULT);
        } catch (NullPointerException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            throw new JsonParseException("malformed run configuration: " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@link #toJson}'s form from text.
     *
     * @param json the JSON text
     * @return the configuration
     * @throws JsonParseException when it is not such an object
     */
    public static RunConfig fromJson(String json) {
        JsonElement e = JsonParser.parseString(json);
        if (!e.isJsonObject()) throw new JsonParseException("a run configuration is a JSON object");
        return fromJson(e.getAsJsonObject());
    }

    private static JsonArray strings(List<String> l) {
        JsonArray a = new JsonArray();
        l.forEach(a::add);
        return a;
    }

    private static List<String> list(JsonObject o, String name) {
        List<String> l = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray(name)) l.add(e.getAsString());
        return l;
    }
}

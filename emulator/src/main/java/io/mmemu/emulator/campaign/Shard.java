package io.mmemu.emulator.campaign;

import java.util.Map;

/**
 * Which slice of a campaign's seeds this process runs: the {@code index}-th of {@code count}
 * disjoint slices, counted from 0 as batch systems count array tasks. Seed s of range A..B
 * belongs to slice (s - A) mod count, so that every slice gets early and late seeds alike.
 *
 * @param index the slice, 0 to count - 1
 * @param count the number of slices, at least 1
 */
public record Shard(int index, int count) {
    /** The whole range in one slice. */
    public static final Shard ALL = new Shard(0, 1);

    /**
     * Checks the bounds.
     *
     * @param index the slice
     * @param count the number of slices
     * @throws IllegalArgumentException when the index is outside 0..count-1
     */
    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + "/" + count + ": expected 0 <= I < N");
        }
    }

    /**
     * Parses {@code I/N}.
     *
     * @param text the shard
     * @return the shard
     * @throws IllegalArgumentException when it does not parse or is out of bounds
     */
    public static Shard parse(String text) {
        int slash = text.indexOf('/');
        try {
            if (slash < 0) throw new NumberFormatException();
            return new Shard(Integer.parseInt(text.substring(0, slash).strip()),
                    Integer.parseInt(text.substring(slash + 1).strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected --shard I/N, e.g. 0/4 (got '" + text + "')");
        }
    }

    /**
     * The shard a batch system's array task is, from its environment: Slurm's
     * SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN, so that --array=1-8 works as well as 0-7)
     * of SLURM_ARRAY_TASK_COUNT, or Kubernetes' JOB_COMPLETION_INDEX of an Indexed Job, whose
     * count {@code completions} must be given (Kubernetes does not put it in the environment).
     *
     * @param env         the process environment
     * @param completions the Indexed Job's completions (--shards), or 0 when not given
     * @return the shard, or {@link #ALL} outside an array job
     * @throws IllegalArgumentException when the variables are malformed, or an Indexed Job has no --shards
     */
    public static Shard fromEnvironment(Map<String, String> env, int completions) {
        String slurmId = env.get("SLURM_ARRAY_TASK_ID");
        if (slurmId != null) {
            int id = integer(env, "SLURM_ARRAY_TASK_ID");
            int min = env.containsKey("SLURM_ARRAY_TASK_MIN") ? integer(env, "SLURM_ARRAY_TASK_MIN") : 0;
            if (!env.containsKey("SLURM_ARRAY_TASK_COUNT")) {
                throw new IllegalArgumentException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
            }
            return new Shard(id - min, integer(env, "SLURM_ARRAY_TASK_COUNT"));
        }
        if (env.get("JOB_COMPLETION_INDEX") != null) {
            if (completions < 1) {
                throw new IllegalArgumentException("JOB_COMPLETION_INDEX is set: give the Job's completions as --shards N");
            }
            return new Shard(integer(env, "JOB_COMPLETION_INDEX"), completions);
        }
        return ALL;
    }

    private static int integer(Map<String, String> env, String name) {
        try {
            return Integer.parseInt(env.get(name).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + env.get(name) + " is not a number");
        }
    }

    /**
     * Whether {@code seed} of {@code range} is this slice's.
     *
     * @param seed  a seed of the range
     * @param range the campaign's seeds
     * @return true when this process runs it
     */
    public boolean owns(long seed, SeedRange range) {
        return Math.floorMod(seed - range.first(), (long) count) == index;
    }

    /**
     * How many seeds of {@code range} this slice runs.
     *
     * @param range the campaign's seeds
     * @return the count
     */
    public long size(SeedRange range) {
        long n = range.size();
        return n / count + (index < n % count ? 1 : 0);
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}

#!/usr/bin/env bash
# A fault-injection campaign as a Slurm job array: 16 array tasks, each one shard of seeds 1..100000.
# Submit from a checkout on a file system every node sees, after one `bin/setup` there:
#   sbatch docs/examples/campaign-slurm.sh
# then, when the array has finished (or at any time, to see how far it got):
#   bin/mmemu campaign merge runs/shard-*
# A task that is killed and requeued resumes its shard: seeds already in its results.jsonl are not run again.
#SBATCH --job-name=mmemu-campaign
#SBATCH --array=0-15
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --requeue
#SBATCH --output=runs/slurm-%A_%a.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:?submit with sbatch from the checkout}"
mkdir -p runs
# The shard comes from SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN) of SLURM_ARRAY_TASK_COUNT:
# no --shard is needed. Each task writes its own directory; nothing is shared while they run.
exec bin/mmemu campaign --seeds 1..100000 --fail failslab:probability=5 \
  --out "runs/shard-${SLURM_ARRAY_TASK_ID}" test-programs/target/guest/planted-enomem

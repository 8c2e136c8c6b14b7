#!/bin/bash
# A tfseg-bench sweep as a Slurm job array: array task i runs shard i of N (N = the array's size) into
# its own results file; a resubmitted task resumes its shard. Submit from the repository root after
# `pnpm install --frozen-lockfile && pnpm build` (and `pnpm gpu:setup` on GPU nodes), e.g. the paper
# preset on 32 GPU nodes:
#
#   sbatch --array=0-31 --gres=gpu:1 --cpus-per-task=4 --time=48:00:00 apps/bench/examples/slurm-array.sh
#
# then, once every task is done:
#
#   pnpm tfseg-bench merge results/paper.shard-*.jsonl --out results/paper.jsonl
#   pnpm tfseg-bench report results/paper.jsonl --out results/paper-report
#
# Settings (environment, passed on by sbatch): TFSEG_PRESET (default paper) or TFSEG_CONFIG (a config
# file), TFSEG_RESULTS (results folder, default results). CI runs this script on a one-node Slurm with the
# smoke preset as a 2-task array (tools/slurm/e2e.sh).
# Fused multiply-adds (wasm only): put `fusedMultiplyAdd: true` in the TFSEG_CONFIG file rather than a flag
# here. Every task then plans the same FMA runs (the field is in each run's config and id), and a task
# resubmitted with other settings cannot mix exact and FMA records in one shard's file.
#SBATCH --job-name=tfseg-bench
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

cd "${SLURM_SUBMIT_DIR:?run this script with sbatch}"
task=${SLURM_ARRAY_TASK_ID:?submit with --array=0-(N-1)}
shards=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX + 1))}
results=${TFSEG_RESULTS:-results}
if [ -n "${TFSEG_CONFIG:-}" ]; then
  sweep=(--config "$TFSEG_CONFIG")
  name=$(basename "${TFSEG_CONFIG%.*}")
else
  name=${TFSEG_PRESET:-paper}
  sweep=(--preset "$name")
fi
mkdir -p "$results"
# The built CLI itself: `pnpm tfseg-bench` would start a turbo build in every task at once.
# wasm threads follow the CPUs Slurm gave the task (results do not depend on them).
exec node apps/bench/dist/cli.js run "${sweep[@]}" --shard "$task/$shards" \
  --out "$results/$name.shard-$task.jsonl" --threads "${SLURM_CPUS_PER_TASK:-1}" --workers 1 --no-report

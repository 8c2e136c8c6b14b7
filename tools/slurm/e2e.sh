#!/usr/bin/env bash
# End to end on a real scheduler (CI, as root): a one-node Slurm on localhost runs
# apps/bench/examples/slurm-array.sh with the smoke preset as a 2-task array; the shards are merged with
# `tfseg-bench merge`, and every run id must have exactly the mIoU of a single-process run of the same
# sweep (wasm is bit-reproducible). Needs the built CLI (`pnpm build`). Exit 1 on any difference.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/tfseg-slurm-e2e.XXXXXX)
cleanup() { bash "$root/tools/slurm/local-cluster.sh" stop "$work/cluster"; rm -rf "$work" || { sleep 1; rm -rf "$work"; }; }
trap cleanup EXIT

bash "$root/tools/slurm/local-cluster.sh" start "$work/cluster"
export SLURM_CONF="$work/cluster/slurm.conf"
cd "$root"
cli=(node apps/bench/dist/cli.js)

echo "slurm e2e: sbatch --array=0-1 apps/bench/examples/slurm-array.sh (smoke preset)" >&2
if ! TFSEG_PRESET=smoke TFSEG_RESULTS="$work/results" \
  sbatch --wait --array=0-1 --cpus-per-task=1 --output="$work/slurm-%A_%a.out" apps/bench/examples/slurm-array.sh; then
  echo "slurm e2e: the array failed; task logs:" >&2
  tail -n 30 "$work"/slurm-*.out >&2 || true
  exit 1
fi
sacct_note=$(ls "$work"/results)
echo "slurm e2e: shards written: $sacct_note" >&2

"${cli[@]}" merge "$work/results/smoke.shard-0.jsonl" "$work/results/smoke.shard-1.jsonl" --out "$work/merged.jsonl"
echo "slurm e2e: single-process run of the same sweep" >&2
"${cli[@]}" run --preset smoke --out "$work/single.jsonl" --workers 1 --no-report

node - "$work/merged.jsonl" "$work/single.jsonl" <<'NODE'
const { readFileSync } = require('node:fs');
const [merged, single] = process.argv.slice(2).map((file) =>
  new Map(readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)).map((record) => [record.id, record])));
const problems = [];
for (const [id, record] of single) {
  const other = merged.get(id);
  if (!other) problems.push(`${id}: missing from the merged shards`);
  else if (record.status !== 'ok' || other.status !== 'ok') problems.push(`${id}: status ${other.status} on Slurm, ${record.status} in one process`);
  else if (other.meanIoU !== record.meanIoU) problems.push(`${id}: mIoU ${other.meanIoU} on Slurm, ${record.meanIoU} in one process`);
}
for (const id of merged.keys()) if (!single.has(id)) problems.push(`${id}: only in the merged shards`);
if (problems.length > 0 || single.size === 0) {
  console.error(`slurm e2e: FAILED\n  ${problems.join('\n  ') || 'no runs'}`);
  process.exit(1);
}
const shardOf = [...merged.values()].map((record) => `${record.id} ${record.config.loss.name}${record.config.loss.lambda ?? ''} mIoU ${record.meanIoU.toFixed(6)}`);
console.log(`slurm e2e: all ${single.size} run ids of the 2-task Slurm array have the same mIoU as the single-process run\n  ${shardOf.join('\n  ')}`);
NODE

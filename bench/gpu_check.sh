#!/usr/bin/env bash
# The prepared device run of issue 18 (one H200, about 10 minutes): every comic_gpu.py row in one call.
#
#   1. here:    bench/fetch_gpu_wheels.sh                        # .whl/: diffusers, torchao, pydantic, ...
#   2. device:  run(command="bash bench/gpu_check.sh", carry=[".whl"], timeout_s=600)
#   3. here:    the rows come back in $OUT (bench.log, rows.jsonl, gpu.txt); copy the table into the note
#
# PHASE picks what runs (default all): `variants` (eager, compile, +fused QKV, +FP8, +all, presets),
# `pipeline` (the 10-paper conference, one and two papers at a time, and the cold worker: model load
# from local safetensors and time to first page with an empty then a filled compile cache).
# BUDGET_S (default 480) stops starting new rows in time for the results to come back.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-check}
PHASE=${1:-${PHASE:-all}}
BUDGET_S=${BUDGET_S:-480}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 DO_NOT_TRACK=1 TOKENIZERS_PARALLELISM=false
started=$(date +%s)

if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    .whl/*.whl || { echo "wheel install failed" >&2; exit 1; }
  export PYTHONPATH=/tmp/site:$PWD
else
  echo "no .whl/ carried: using what the machine has (run bench/fetch_gpu_wheels.sh here first)" >&2
  export PYTHONPATH=$PWD
fi
export PAPERPANELS_COMIC__SPEED__CACHE_DIR=/tmp/compile-cache

{ nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  python3 -c "import sys, torch, diffusers, transformers; print(sys.version.split()[0], 'torch', torch.__version__, \
'cuda', torch.version.cuda, 'diffusers', diffusers.__version__, 'transformers', transformers.__version__, \
'capability', torch.cuda.get_device_capability())"
  python3 -c "import torchao; print('torchao', torchao.__version__)"
} 2>&1 | tee "$OUT/gpu.txt"

left() { echo $(( BUDGET_S - ($(date +%s) - started) )); }

# A one-minute smoke on the GPU with tiny shapes: every option (FP8 and Inductor included) compiles
# and draws before the full-size run spends minutes on them.
python3 bench/comic_gpu.py --tiny --pages 1 --no-presets --conference 0 \
  --variants "eager,+all" --json-out "$OUT/tiny-rows.jsonl" 2>&1 | tail -n 12 | tee "$OUT/tiny.log"

if [ "$PHASE" = all ] || [ "$PHASE" = variants ]; then
  # +all first: it is the goal; the budget skips the least important rows, never the goal.
  python3 bench/comic_gpu.py --pages 2 --conference 0 --budget-s "$(left)" \
    --variants "eager,+all,compile,+FP8,+fused QKV" --json-out "$OUT/rows.jsonl" 2>&1 | tee "$OUT/bench.log"
fi
if [ "$PHASE" = pipeline ] || { [ "$PHASE" = all ] && [ "$(left)" -gt 200 ]; }; then
  python3 bench/comic_gpu.py --pages 1 --variants "" --no-presets --conference 10 --cold-start \
    --budget-s "$(left)" --json-out "$OUT/pipeline-rows.jsonl" 2>&1 | tee "$OUT/pipeline.log"
fi
echo "gpu_check done in $(( $(date +%s) - started )) s; results in $OUT"

#!/usr/bin/env bash
# The GPU run: the reader's own training path measured first, beside the device-feed limit, on Keras' JAX backend.
#
#   bash benchmarks/gpu.sh [OUT_DIR]        (from the repository root; OUT_DIR defaults to $OUT, else /tmp/gpu_bench)
#   TINY=1 bash benchmarks/gpu.sh OUT_DIR   (a few hundred faces at 16 px on a CPU: seconds, checks the script)
#
# Made for a lent GPU machine with JAX but no TensorFlow and no internet: the wheels of what the package needs
# and the image lacks (keras, namex, optree, platformdirs) are installed from .whl/ (benchmarks/results/README.md
# says how to fetch them and run this in one call). In order, most important first, so a time limit cuts the rest:
#   1. a CelebA-sized synthetic set straight into the uint8 cache (celeba_sized.py);
#   2. the reader's own path: training.train with the GPU preset's settings (reader_speed.py);
#   3. beside it, the limit: the same network fed from uint8 images held on the device (train_speed.py --feed device);
#   4. the ratio own path / limit, goal ≥ 0.8 (ratio.py), and what the reader's path adds on the host (epoch_costs.py);
#   5. the quality run (gpu_quality.py) and more speed runs side by side (train_speed.py; one with TINY).
# Writes gpu.txt, own.txt, limit.txt, ratio.txt, costs.txt, quality.txt, train.jsonl and log.txt to OUT_DIR (8
# files: what a lent machine sends back); run folders, models and the data set go to WORK (/tmp/gpu_work).
set -euo pipefail
out=${1:-${OUT:-/tmp/gpu_bench}}
python=${PYTHON:-python3}
if [[ -n ${TINY:-} ]]; then
  : "${N:=300}" "${IMAGE_SIZE:=16}" "${BATCH:=32}" "${EPOCHS:=2}" "${OWN_EPOCHS:=2}" "${WORK:=$out/work}"
  : "${DATA:=$WORK/data}"
fi
n=${N:-202599} size=${IMAGE_SIZE:-64} batch=${BATCH:-1024} epochs=${EPOCHS:-20} own_epochs=${OWN_EPOCHS:-4}
data=${DATA:-/tmp/celeba_sized} work=${WORK:-/tmp/gpu_work}
mkdir -p "$out" "$work"
exec > >(tee "$out/log.txt") 2>&1

if ! "$python" -c "import keras, platformdirs" 2>/dev/null; then
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1

{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no NVIDIA GPU"; } \
  | tee "$out/gpu.txt"
"$python" -c "import jax, keras; print('jax', jax.__version__, jax.devices(), '· keras', keras.__version__)"
"$python" -c "import tensorflow" 2>/dev/null && echo "note: TensorFlow is installed here" || echo "no TensorFlow here"
"$python" benchmarks/celeba_sized.py --root "$data" --n "$n" --image-size "$size" --distinct "$n"

# The reader's own path, then the limit beside it with the same network, batch and precision.
timeout "${OWN_LIMIT:-240}" "$python" benchmarks/reader_speed.py --data "$data" --out "$work/own_run" \
  --image-size "$size" --batch-size "$batch" --epochs "$own_epochs" | tee "$out/own.txt" || echo "own-path run failed"
bf16=(); grep -q '"precision": "mixed_bfloat16"' "$out/own.txt" && bf16=(--mixed-precision)
timeout "${RUN_LIMIT:-180}" "$python" benchmarks/train_speed.py --data "$data" --image-size "$size" \
  --batch-size "$batch" --architecture deep --feed device --epochs 3 "${bf16[@]}" | tee "$out/limit.txt" \
  || echo "limit run failed"
"$python" benchmarks/ratio.py "$out/own.txt" "$out/limit.txt" | tee "$out/ratio.txt" || echo "no ratio"
timeout "${RUN_LIMIT:-180}" "$python" benchmarks/epoch_costs.py --image-size "$size" --batch-size "$batch" \
  ${TINY:+--tiny} | tee "$out/costs.txt" || echo "host-cost run failed"

# The fast path end to end: train, then score against the tutorial's quality targets.
timeout "${QUALITY_LIMIT:-300}" "$python" benchmarks/gpu_quality.py --data "$data" --out "$work/quality" \
  --image-size "$size" --batch-size "$batch" --epochs "$epochs" | tee "$out/quality.txt" || echo "quality run failed"

train() {  # architecture feed precision(bf16|fp32) epochs: one run, its JSON appended to train.jsonl
  local flags=(--data "$data" --image-size "$size" --batch-size "$batch" --architecture "$1" --feed "$2" --epochs "$4")
  [[ $3 == bf16 ]] && flags+=(--mixed-precision)
  timeout "${RUN_LIMIT:-180}" "$python" benchmarks/train_speed.py "${flags[@]}" | tee "$work/run.txt" || true
  grep '^{' "$work/run.txt" >> "$out/train.jsonl" || echo "run $* failed or timed out"
  grep ' img/s = ' "$work/run.txt" >> "$work/summary.txt" || true
}
train deep fit bf16 2     # Keras' own fit from host float32 arrays
if [[ -z ${TINY:-} ]]; then  # the same code with other flags: not needed to check that the script runs
  train article device bf16 2  # the article's network
  train deep device fp32 2  # without mixed precision
fi

echo; echo "card: $(cat "$out/gpu.txt")"
grep ' img/s = ' "$out/own.txt" "$out/limit.txt" || true
grep '^own path / limit' "$out/ratio.txt" || true
grep -E '^(trained|seconds)' "$out/quality.txt" || true
cat "$work/summary.txt" 2>/dev/null || true
echo "whole script: ${SECONDS} s"

#!/usr/bin/env bash
# The GPU run of issue 6: the 64×64 CVAE trained on a CelebA-sized synthetic set, Keras on JAX.
#
#   bash benchmarks/gpu.sh [OUT_DIR]     (from the repository root; OUT_DIR defaults to $OUT, else /tmp/gpu_bench)
#
# Made for a lent GPU machine with JAX but no TensorFlow and no internet: when Keras is missing it is
# installed from the wheels in .whl/ (keras, namex, optree; see benchmarks/README.md). Draws the set
# straight into the cache format (benchmarks/celeba_sized.py), trains the deep CVAE for a few minutes and
# scores it (benchmarks/gpu_quality.py), then times training runs side by side (benchmarks/train_speed.py).
# Writes gpu.txt (the card), quality.txt and quality.json, summary.txt and train.jsonl (a line per speed
# run), log.txt. A small check on a CPU:
#   PYTHON=/work/venv/bin/python N=2000 IMAGE_SIZE=16 BATCH=64 EPOCHS=2 bash benchmarks/gpu.sh /tmp/x
set -euo pipefail
out=${1:-${OUT:-/tmp/gpu_bench}}
python=${PYTHON:-python3}
n=${N:-202599} size=${IMAGE_SIZE:-64} batch=${BATCH:-1024} epochs=${EPOCHS:-20} data=${DATA:-/tmp/celeba_sized}
mkdir -p "$out"
exec > >(tee "$out/log.txt") 2>&1

if ! "$python" -c "import keras" 2>/dev/null; then
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1

{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "no NVIDIA GPU"; } \
  | tee "$out/gpu.txt"
"$python" -c "import jax, keras; print('jax', jax.__version__, jax.devices(), '· keras', keras.__version__)"
"$python" benchmarks/celeba_sized.py --root "$data" --n "$n" --image-size "$size" --distinct "$n"

# The fast path end to end: train, then score against the tutorial's quality targets.
timeout "${QUALITY_LIMIT:-300}" "$python" benchmarks/gpu_quality.py --data "$data" --out "$out/quality" \
  --image-size "$size" --batch-size "$batch" --epochs "$epochs" | tee "$out/quality.txt" || echo "quality run failed"
grep '^{' "$out/quality.txt" > "$out/quality.json" || true

train() {  # architecture feed precision(bf16|fp32) epochs: one run, its JSON appended to train.jsonl
  local flags=(--data "$data" --image-size "$size" --batch-size "$batch" --architecture "$1" --feed "$2" --epochs "$4")
  [[ $3 == bf16 ]] && flags+=(--mixed-precision)
  timeout "${RUN_LIMIT:-180}" "$python" benchmarks/train_speed.py "${flags[@]}" | tee "$out/run.txt" || true
  grep '^{' "$out/run.txt" >> "$out/train.jsonl" || echo "run $* failed or timed out"
  grep ' img/s = ' "$out/run.txt" >> "$out/summary.txt" || true
}
# Most important first, so a time limit cuts the least useful runs.
train deep device bf16 3  # the fast path: uint8 images on the GPU, bf16, XLA, large batches
train deep fit bf16 2     # beside it: Keras' own fit from host arrays
train article device bf16 2  # the article's network
train deep device fp32 2  # beside it: without mixed precision

echo; echo "card: $(cat "$out/gpu.txt")"
grep -E '^(trained|seconds)' "$out/quality.txt" || true
cat "$out/summary.txt"
echo "whole script: ${SECONDS} s"

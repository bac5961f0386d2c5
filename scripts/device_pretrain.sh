#!/usr/bin/env bash
# Pretrain the base model on a lent GPU machine (how the shipped one was made: assets/base/MODEL_CARD.md).
# Usage (on the device, repo root): bash scripts/device_pretrain.sh SECONDS OUT_DIR
# Needs: cache/corpus-all.npz (kibitz-train pretrain --save-corpus) and a copy of the pure-Python
# package python-chess in .whl/chess (the device has torch and numpy, no python-chess, no network).
set -euo pipefail
budget=${1:-300}
out=${2:-/tmp/kibitz-out}
site="$PWD/.whl"
# One `kibitz` package from the top-level folders, as pyproject's package-dir does.
shim=/tmp/kibitz-shim/kibitz
mkdir -p "$shim"
cp kibitz/__init__.py "$shim/"
for part in engine training assets; do ln -sfn "$PWD/$part" "$shim/$part"; done
export PYTHONPATH="/tmp/kibitz-shim:$site:${PYTHONPATH:-}" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv || true
repo=$PWD
cd /tmp  # python -m puts the working folder first on sys.path; the repo's kibitz/ would shadow the shim
run() {
  python3 -m kibitz.training.cli --progress none pretrain --progress none \
  --exclude-held-out --weight '[!m]*=3' \
  --epochs 1000 "$@" --device "${DEVICE:-cuda}" \
  --batch-positions "${BATCH:-32768}" --lr "${LR:-2e-3}" --workers "${WORKERS:-16}" \
  --checkpoint-every "${EVERY:-90}" --slim-checkpoints --no-export
}
# A few seconds on a small corpus first, so a broken environment fails in seconds, not minutes.
run --corpus "$repo/cache/smoke.npz" --time-budget 5 --out /tmp/kibitz-smoke
run --corpus "${CORPUS:-$repo/cache/corpus-all.npz}" --time-budget "$budget" --out "$out"
ls -la "$out"

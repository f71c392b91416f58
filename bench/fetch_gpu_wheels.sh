#!/usr/bin/env bash
# Wheels the H200 device machine lacks, for bench/gpu_check.sh (run this HERE, where pip reaches PyPI).
# The device image has torch, transformers, numpy, Pillow, PyYAML, safetensors, huggingface-hub:
# this fetches what tasks/comic and bench/comic_gpu.py import beyond those, at the requirements.lock pins,
# for the device's Python 3.12 on x86-64, into .whl/ (git-ignored through .git/info/exclude).
#   bench/fetch_gpu_wheels.sh            # then: device run, carry [".whl"], `bash bench/gpu_check.sh`
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
rm -rf .whl && mkdir -p .whl
names=(diffusers torchao pydantic pydantic_core pydantic-settings annotated-types typing-inspection
       python-dotenv importlib_metadata pypdfium2)
specs=()
for name in "${names[@]}"; do
  pin=$(grep -i -E "^${name//[-_]/[-_]}==" requirements.lock | head -1)
  [ -n "$pin" ] || { echo "no pin for $name in requirements.lock" >&2; exit 1; }
  specs+=("$pin")
done
python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
  -q -d .whl "${specs[@]}"
ls -la .whl && du -sh .whl

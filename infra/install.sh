#!/usr/bin/env bash
# Install paperpanels and its pinned dependencies into a virtual environment.
# One script for every place that installs: the Makefile (demo, test, CI) and the Dockerfile.
#   infra/install.sh VENV_DIR [EXTRAS]      e.g. infra/install.sh .venv dev
# TORCH_SPEC picks the torch build (default: the CPU wheel pinned below; the GPU image overrides it).
set -euo pipefail
venv=${1:?usage: infra/install.sh VENV_DIR [EXTRAS]}
extras=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
torch_spec=${TORCH_SPEC:-torch==2.13.0}
python=${PYTHON:-python3}

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
# torch first and explicitly: a bare "torch" requirement can pull a multi-GB CUDA build.
read -ra torch_args <<<"$torch_spec"
"${pip[@]}" install -q "${torch_args[@]}"
target="$here"
[ -n "$extras" ] && target="$here[$extras]"
"${pip[@]}" install -q -c "$here/constraints.txt" -e "$target"
# The dev install also brings Debian's Chromium for the browser tests (never a downloaded browser).
case ",$extras," in *,dev,*) "$here/infra/browser-local.sh" ;; esac

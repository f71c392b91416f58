#!/usr/bin/env bash
# Install paperpanels and its pinned dependencies into a virtual environment.
# One script for every place that installs: the Makefile (demo, test, CI) and the Dockerfile.
#   infra/install.sh VENV_DIR [EXTRAS]      e.g. infra/install.sh .venv dev
# TORCH_SPEC picks the torch build (default: the CPU wheel pinned below; the GPU image overrides it).
# Everything else comes from requirements.lock (the pinned set, scripts/lock.sh) through uv, which
# installs it several times faster than pip (measured on 2 cores: ~10 s against ~110 s).
set -euo pipefail
venv=${1:?usage: infra/install.sh VENV_DIR [EXTRAS]}
extras=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
torch_spec=${TORCH_SPEC:-torch==2.13.0}
uv_spec=${UV_SPEC:-uv==0.13.9}
python=${PYTHON:-python3}

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
# uv itself is a PyPI package: installed into the venv when missing.
[ -x "$venv/bin/uv" ] || "${pip[@]}" install -q "$uv_spec"
# torch first and explicitly, with pip: it honours the machine's pip configuration (a local CPU wheel,
# a version cap), and a bare "torch" requirement elsewhere can pull a multi-GB CUDA build.
read -ra torch_args <<<"$torch_spec"
"${pip[@]}" install -q "${torch_args[@]}"
target="$here"
[ -n "$extras" ] && target="$here[$extras]"
# The rest under the lock's pins; torch, already installed, satisfies its pin and stays. Compiled to
# bytecode here (~14 s on 2 cores), once: otherwise the first run compiles every library it imports, in
# every process at once (a fresh clone's first `make test-quick`: 62.6 s, against 57.8 s compiled).
"$venv/bin/uv" pip install --quiet --compile-bytecode --python "$venv/bin/python" -c "$here/requirements.lock" -e "$target"
# The project's own modules too (the editable install leaves them out): every test worker and CLI run
# imports them.
"$venv/bin/python" -m compileall -q -j 0 "$here/flows" "$here/tasks" "$here/config" >/dev/null
# The dev install also brings Debian's Chromium for the browser tests (never a downloaded browser).
case ",$extras," in *,dev,*) "$here/infra/browser-local.sh" ;; esac

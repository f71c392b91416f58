# syntax=docker/dockerfile:1
# paperpanels images. Two targets; the CPU one is the LAST stage, so it is what a plain build makes:
#   docker build -t paperpanels:cpu .                   # CPU image (default)
#   docker build --target gpu -t paperpanels:gpu .      # CUDA image for the comic (diffusers) stage
# The install step is infra/install.sh, the same script `make test` / CI run; TORCH_SPEC selects the
# torch build and requirements.lock pins everything else. No secrets are baked in: settings come from
# the environment at run time (see infra/.env.example). Neither image has an ENTRYPOINT, so any
# command runs as given: `paperpanels digest SLUG`, `prefect worker start --pool P`, and the
# `prefect flow-run execute` that Kubernetes / process workers start.
ARG PYTHON_VERSION=3.11
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# ---- sources only: shared by both targets --------------------------------------------------------
FROM scratch AS source
COPY pyproject.toml requirements.lock README.md /app/
COPY infra/install.sh /app/infra/install.sh
COPY flows /app/flows
COPY tasks /app/tasks
COPY config /app/config
COPY prefect.yaml /app/prefect.yaml

# ---- GPU target: CUDA runtime + the CUDA torch wheel ---------------------------------------------
FROM ${CUDA_IMAGE} AS gpu
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DO_NOT_TRACK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PREFECT_HOME=/data/prefect \
    HF_HOME=/data/cache/huggingface \
    PAPERPANELS_ROOT=/app \
    PAPERPANELS_STORE__URI=/data/artifacts \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv fonts-dejavu-core ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && (userdel --remove ubuntu 2>/dev/null || true) \
    && useradd --create-home --uid 1000 paperpanels \
    && mkdir -p /data && chown paperpanels /data
WORKDIR /app
COPY --from=source /app /app
# The same torch pin as infra/install.sh (torch==2.13.0), from the CUDA wheel index.
ARG TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
# The `gpu` extra: torchao for the comic renderer's FP8 option (requirements.lock pins it).
RUN TORCH_SPEC="$TORCH_SPEC" PYTHON=python3 infra/install.sh /opt/venv gpu
USER paperpanels
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=30s --start-period=30s \
    CMD ["python", "-c", "import torch, config.settings as s; s.get_settings(); assert torch.cuda.is_available(), 'no CUDA device'"]
ENTRYPOINT []
CMD ["paperpanels", "--help"]

# ---- CPU target (default: last stage) ------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim AS cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DO_NOT_TRACK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PREFECT_HOME=/data/prefect \
    HF_HOME=/data/cache/huggingface \
    PAPERPANELS_ROOT=/app \
    PAPERPANELS_STORE__URI=/data/artifacts \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 paperpanels \
    && mkdir -p /data && chown paperpanels /data
WORKDIR /app
COPY --from=source /app /app
# CPU torch wheel from the PyTorch CPU index: a plain `torch` from PyPI is the multi-GB CUDA build.
ARG TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
RUN TORCH_SPEC="$TORCH_SPEC" infra/install.sh /opt/venv
USER paperpanels
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=30s --start-period=30s CMD ["paperpanels", "config"]
CMD ["paperpanels", "--help"]

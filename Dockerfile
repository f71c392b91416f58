# paperpanels image. CPU target (default): `docker build -t paperpanels .`
# The install step is infra/install.sh, the same script `make test` / CI run.
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DO_NOT_TRACK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PAPERPANELS_STORE__URI=/data/artifacts \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 paperpanels \
    && mkdir -p /data && chown paperpanels /data
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY infra/install.sh infra/install.sh
COPY flows flows
COPY tasks tasks
COPY config config
# CPU torch wheel from the PyTorch CPU index: a plain `torch` from PyPI is the multi-GB CUDA build.
ARG TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
RUN TORCH_SPEC="$TORCH_SPEC" infra/install.sh /opt/venv
USER paperpanels
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=20s CMD ["paperpanels", "config"]
ENTRYPOINT ["paperpanels"]
CMD ["--help"]

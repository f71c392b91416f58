#!/usr/bin/env bash
# Make a local Postgres answer on 127.0.0.1:${PGPORT:-5432} with the database ${PGDATABASE:-paperpanels_prefect}.
# Used by `make test-postgres` (for machines with no Postgres running; `make test` uses the one that answers). Idempotent:
#   - a Postgres that already answers (pg_isready) is used as it is;
#   - else, where no server binaries exist, `apt-get install -y postgresql` (Debian/Ubuntu, root or sudo);
#   - then a throw-away cluster (trust auth, 127.0.0.1 only) is started under ${PGSCRATCH:-/var/tmp/paperpanels-pg};
#   - the database is created when missing.
set -euo pipefail
host=127.0.0.1
port=${PGPORT:-5432}
user=${PGUSER:-postgres}
db=${PGDATABASE:-paperpanels_prefect}
scratch=${PGSCRATCH:-/var/tmp/paperpanels-pg}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
pg_bin() {  # newest server binary directory (Debian keeps them off PATH)
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; else dirname "$(command -v initdb || command -v postgres)"; fi
}

if ! pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null && ! command -v postgres >/dev/null && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "postgres-local: installing postgresql (apt-get)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  bin=$(pg_bin)
  echo "postgres-local: starting a scratch cluster in $scratch on $host:$port ($bin)" >&2
  run=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$scratch" postgres
    run=(runuser -u postgres --)
  fi
  mkdir -p "$scratch"
  [ "$(id -u)" -eq 0 ] && chown postgres "$scratch"
  if [ ! -s "$scratch/data/PG_VERSION" ]; then
    "${run[@]}" "$bin/initdb" -D "$scratch/data" -U "$user" --auth=trust -E UTF8 >/dev/null
  fi
  "${run[@]}" "$bin/pg_ctl" -D "$scratch/data" -l "$scratch/server.log" -w -t 60 \
    -o "-h $host -p $port -k $scratch" start >/dev/null
fi
pg_isready -h "$host" -p "$port"

exists=$(psql -h "$host" -p "$port" -U "$user" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")
if [ "$exists" != 1 ]; then
  psql -h "$host" -p "$port" -U "$user" -d postgres -qc "CREATE DATABASE \"$db\""
  echo "postgres-local: created database $db" >&2
else
  echo "postgres-local: database $db exists" >&2
fi

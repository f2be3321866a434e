#!/usr/bin/env bash
# The self-hosted Temporal server on PostgreSQL, without Docker: what docker-compose.yml's `postgresql` + `temporal`
# (auto-setup) services do, with the real server built from its Go module by scripts/temporal-server.sh.
#
#   bash scripts/temporal-postgres.sh                # set up, start, run in the foreground until Ctrl-C
#   bash scripts/temporal-postgres.sh --background   # set up, start, return once ready (pid + log in the state dir)
#   bash scripts/temporal-postgres.sh --stop         # stop the server started with --background
#   bash scripts/temporal-postgres.sh --setup-only   # only create the databases and bring their schemas up to date
#
# Idempotent: each step checks before it acts. 1) creates the two databases if missing and brings both schemas to
# the server's version with the server's own temporal-sql-tool (setup-schema -v 0.0, update-schema -d <dir>);
# 2) renders deploy/local/temporal.yaml into the state dir; 3) starts `temporal-server start` unless the state dir's
# server is already running; 4) waits for the frontend; 5) creates the namespace if missing; 6) registers the
# product's custom search attributes (`heygen-pipelines search-attributes register`).
#
# Environment (defaults in brackets):
#   TEMPORAL_PG_HOST [127.0.0.1]  TEMPORAL_PG_PORT [5432]  TEMPORAL_PG_USER [postgres]  TEMPORAL_PG_PASSWORD []
#   TEMPORAL_PG_DB [heygen_temporal]  TEMPORAL_PG_VISIBILITY_DB [heygen_temporal_visibility]
#   TEMPORAL_PG_FRONTEND_PORT [7433]  TEMPORAL_PG_FRONTEND_HTTP_PORT [7443]  TEMPORAL_PG_HISTORY_PORT [7434]
#   TEMPORAL_PG_MATCHING_PORT [7435]  TEMPORAL_PG_WORKER_PORT [7439]
#   TEMPORAL_PG_{FRONTEND,HISTORY,MATCHING,WORKER}_MEMBERSHIP_PORT [6433, 6434, 6435, 6439]
#   TEMPORAL_PG_STATE_DIR [.data/temporal-postgres]: rendered config, pid file, log
#   TEMPORAL_PG_LOG_LEVEL [warn]  TEMPORAL_PG_DYNAMIC_CONFIG [deploy/local/dynamicconfig.yaml]
#   TEMPORAL_PG_START_TIMEOUT [120] seconds  TEMPORAL_NAMESPACE [default]
#   TEMPORAL_CLI_PATH, TEMPORAL_SERVER_DIR: use these builds instead of scripts/temporal-cli.sh / temporal-server.sh
# Prints the frontend address (host:port) on stdout once ready (with --background and in the foreground); logs go to
# stderr.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
mode=foreground
case "${1:-}" in
  '') ;;
  --background) mode=background ;;
  --stop) mode=stop ;;
  --setup-only) mode=setup ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "unknown argument: $1 (try --help)" >&2
    exit 2
    ;;
esac

export TEMPORAL_PG_HOST="${TEMPORAL_PG_HOST:-127.0.0.1}"
export TEMPORAL_PG_PORT="${TEMPORAL_PG_PORT:-5432}"
export TEMPORAL_PG_USER="${TEMPORAL_PG_USER:-postgres}"
export TEMPORAL_PG_PASSWORD="${TEMPORAL_PG_PASSWORD:-}"
export TEMPORAL_PG_DB="${TEMPORAL_PG_DB:-heygen_temporal}"
export TEMPORAL_PG_VISIBILITY_DB="${TEMPORAL_PG_VISIBILITY_DB:-heygen_temporal_visibility}"
export TEMPORAL_PG_FRONTEND_PORT="${TEMPORAL_PG_FRONTEND_PORT:-7433}"
export TEMPORAL_PG_FRONTEND_HTTP_PORT="${TEMPORAL_PG_FRONTEND_HTTP_PORT:-7443}"
export TEMPORAL_PG_HISTORY_PORT="${TEMPORAL_PG_HISTORY_PORT:-7434}"
export TEMPORAL_PG_MATCHING_PORT="${TEMPORAL_PG_MATCHING_PORT:-7435}"
export TEMPORAL_PG_WORKER_PORT="${TEMPORAL_PG_WORKER_PORT:-7439}"
export TEMPORAL_PG_FRONTEND_MEMBERSHIP_PORT="${TEMPORAL_PG_FRONTEND_MEMBERSHIP_PORT:-6433}"
export TEMPORAL_PG_HISTORY_MEMBERSHIP_PORT="${TEMPORAL_PG_HISTORY_MEMBERSHIP_PORT:-6434}"
export TEMPORAL_PG_MATCHING_MEMBERSHIP_PORT="${TEMPORAL_PG_MATCHING_MEMBERSHIP_PORT:-6435}"
export TEMPORAL_PG_WORKER_MEMBERSHIP_PORT="${TEMPORAL_PG_WORKER_MEMBERSHIP_PORT:-6439}"
export TEMPORAL_PG_LOG_LEVEL="${TEMPORAL_PG_LOG_LEVEL:-warn}"
export TEMPORAL_PG_DYNAMIC_CONFIG="${TEMPORAL_PG_DYNAMIC_CONFIG:-$root/deploy/local/dynamicconfig.yaml}"
state_dir="${TEMPORAL_PG_STATE_DIR:-$root/.data/temporal-postgres}"
start_timeout="${TEMPORAL_PG_START_TIMEOUT:-120}"
namespace="${TEMPORAL_NAMESPACE:-default}"
address="127.0.0.1:$TEMPORAL_PG_FRONTEND_PORT"
pid_file="$state_dir/temporal-server.pid"
log_file="$state_dir/temporal-server.log"

log() { echo "temporal-postgres: $*" >&2; }

# The pid in the pid file, if that process is alive and is a temporal-server.
running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  case "$(ps -p "$pid" -o args= 2>/dev/null)" in
    *temporal-server*) echo "$pid" ;;
    *) return 1 ;;
  esac
}

stop_pid() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 300 ]; then
      log "server $pid did not stop within 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

if [ "$mode" = stop ]; then
  if pid="$(running_pid)"; then
    log "stopping temporal-server (pid $pid)"
    stop_pid "$pid"
  else
    log "no running server for $state_dir"
  fi
  rm -f "$pid_file"
  exit 0
fi

for var in TEMPORAL_PG_FRONTEND_MEMBERSHIP_PORT TEMPORAL_PG_HISTORY_MEMBERSHIP_PORT \
  TEMPORAL_PG_MATCHING_MEMBERSHIP_PORT TEMPORAL_PG_WORKER_MEMBERSHIP_PORT; do
  # The server stores membership ports in cluster_membership.rpc_port, a SMALLINT on PostgreSQL.
  if ! [[ "${!var}" =~ ^[0-9]+$ ]] || [ "${!var}" -lt 1 ] || [ "${!var}" -gt 32767 ]; then
    log "$var=${!var}: membership ports must be between 1 and 32767 on PostgreSQL"
    exit 2
  fi
done

mkdir -p "$state_dir/config"
state_dir="$(cd "$state_dir" && pwd)"
pid_file="$state_dir/temporal-server.pid"
log_file="$state_dir/temporal-server.log"
# One setup/start at a time per state dir (the lock is released when this script exits).
exec 8>"$state_dir/.lock"
flock 8

server_dir="${TEMPORAL_SERVER_DIR:-$(bash "$root/scripts/temporal-server.sh")}"

# --- 1. databases and schemas ------------------------------------------------------------------------------------
sql_tool() {
  "$server_dir/temporal-sql-tool" --plugin postgres12 --endpoint "$TEMPORAL_PG_HOST" --port "$TEMPORAL_PG_PORT" \
    --user "$TEMPORAL_PG_USER" --password "$TEMPORAL_PG_PASSWORD" "$@"
}
setup_db() {
  local db="$1" schema="$2" out
  # create-database is a no-op for an existing database; setup-schema -v 0.0 never lowers a newer version;
  # update-schema applies only the versions the database lacks.
  if ! out="$(sql_tool --database "$db" create-database 2>&1 &&
    sql_tool --database "$db" setup-schema -v 0.0 2>&1 &&
    sql_tool --database "$db" update-schema -d "$server_dir/schema/postgresql/v12/$schema/versioned" 2>&1)"; then
    printf '%s\n' "$out" | grep -v DEBUG >&2 || true
    log "schema setup of $db failed (is PostgreSQL running on $TEMPORAL_PG_HOST:$TEMPORAL_PG_PORT?)"
    exit 1
  fi
}
setup_db "$TEMPORAL_PG_DB" temporal
setup_db "$TEMPORAL_PG_VISIBILITY_DB" visibility
log "databases $TEMPORAL_PG_DB and $TEMPORAL_PG_VISIBILITY_DB on $TEMPORAL_PG_HOST:$TEMPORAL_PG_PORT: schemas up to date"
if [ "$mode" = setup ]; then
  exit 0
fi

# --- 2. configuration --------------------------------------------------------------------------------------------
# Every placeholder of the template must be set: an unknown one stops here instead of reaching the server.
perl -pe 's/\$\{(TEMPORAL_PG_\w+)\}/defined $ENV{$1} ? $ENV{$1} : die "deploy\/local\/temporal.yaml: \${$1} is not set\n"/ge' \
  "$root/deploy/local/temporal.yaml" >"$state_dir/config/postgres.yaml.tmp"
mv "$state_dir/config/postgres.yaml.tmp" "$state_dir/config/postgres.yaml"

# --- 3. server ---------------------------------------------------------------------------------------------------
cli="$(bash "$root/scripts/temporal-cli.sh")"
server_pid=""
started_here=0
if server_pid="$(running_pid)"; then
  log "temporal-server already running (pid $server_pid, $address)"
else
  log "starting temporal-server v$("$server_dir/temporal-server" --version | awk '{print $NF}') on $address (log: $log_file)"
  server_args=(--allow-no-auth --root "$state_dir" --config config --env postgres start)
  started=$(date +%s)
  # fd 8 (the setup lock) must not stay open in the server, or the next invocation would wait for it forever.
  if [ "$mode" = background ]; then
    # Its own session: a Ctrl-C meant for the caller does not reach it; --stop does.
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" "$server_dir/temporal-server" "${server_args[@]}" \
      </dev/null >>"$log_file" 2>&1 8>&- &
    for _ in $(seq 1 50); do
      [ -s "$pid_file" ] && break
      sleep 0.1
    done
    server_pid="$(cat "$pid_file")"
  else
    "$server_dir/temporal-server" "${server_args[@]}" </dev/null > >(tee -a "$log_file" >&2 8>&-) 2>&1 8>&- &
    server_pid=$!
    echo "$server_pid" >"$pid_file"
  fi
  started_here=1
fi

# The fatal lines of the server log if there are any (the reason it stopped), else its last lines.
show_log() {
  if grep -q '"level":"fatal"' "$log_file" 2>/dev/null; then
    grep '"level":"fatal"' "$log_file" | tail -n 3 | sed 's/,"stacktrace":.*$/}/' >&2
  else
    tail -n 30 "$log_file" >&2 || true
  fi
}

cleanup_on_failure() {
  if [ "$started_here" = 1 ] && [ -n "$server_pid" ]; then
    stop_pid "$server_pid"
    rm -f "$pid_file"
  fi
}

# --- 4. frontend -------------------------------------------------------------------------------------------------
deadline=$(($(date +%s) + start_timeout))
until "$cli" operator cluster health --address "$address" --command-timeout 2s >/dev/null 2>&1; do
  if [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null; then
    log "temporal-server exited before it was ready ($log_file):"
    show_log
    rm -f "$pid_file"
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "the frontend did not answer on $address within $start_timeout s ($log_file):"
    show_log
    cleanup_on_failure
    exit 1
  fi
  sleep 0.5
done
if [ "$started_here" = 1 ]; then
  log "frontend serving on $address after $(($(date +%s) - started)) s"
fi

# --- 5. namespace ------------------------------------------------------------------------------------------------
if "$cli" operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
  log "namespace $namespace exists"
else
  log "creating namespace $namespace"
  if ! "$cli" operator namespace create --address "$address" --namespace "$namespace" --retention 72h >&2; then
    # Another process may have created it in between.
    "$cli" operator namespace describe --address "$address" --namespace "$namespace" >/dev/null || {
      cleanup_on_failure
      exit 1
    }
  fi
fi

# --- 6. search attributes ----------------------------------------------------------------------------------------
if [ ! -f "$root/dist/cli/main.js" ]; then
  bash "$root/scripts/ensure-deps.sh"
fi
# A namespace just created reaches every service's cache within seconds: retry until the registration goes through.
for attempt in $(seq 1 30); do
  if out="$(TEMPORAL_ADDRESS="$address" TEMPORAL_NAMESPACE="$namespace" \
    node "$root/dist/cli/main.js" search-attributes register 2>&1)"; then
    log "search attributes: ${out#registered }"
    break
  fi
  if [ "$attempt" = 30 ]; then
    printf '%s\n' "$out" >&2
    log "could not register the search attributes"
    cleanup_on_failure
    exit 1
  fi
  sleep 1
done

echo "$address"
if [ "$mode" = background ]; then
  exit 0
fi

# --- foreground: until Ctrl-C (or the server stops by itself) ----------------------------------------------------
if [ "$started_here" = 0 ]; then
  log "the server was started elsewhere; leaving it running"
  exit 0
fi
# Background jobs of a script ignore SIGINT: pass Ctrl-C (and SIGTERM) on to the server ourselves.
stopping=0
trap 'stopping=1; log "stopping temporal-server (pid $server_pid)"; stop_pid "$server_pid"' INT TERM
log "running; Ctrl-C stops it"
status=0
wait "$server_pid" || status=$?
# A trapped signal interrupts `wait`: wait again for the server to finish stopping.
while kill -0 "$server_pid" 2>/dev/null; do sleep 0.2; done
rm -f "$pid_file"
if [ "$stopping" = 1 ]; then
  exit 0
fi
exit "$status"

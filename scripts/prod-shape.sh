#!/usr/bin/env bash
# The production shape of docker-compose.yml, run directly on this machine (no Docker):
#   PostgreSQL (already running) + the self-hosted Temporal server on it   scripts/temporal-postgres.sh
#   the S3-compatible object store of finished media (versitygw)          scripts/s3-server.sh
#   the HeyGen simulator (unless HEYGEN_API_KEY is set: real HeyGen)        heygen-pipelines simulator
#   two workers of one task queue, each its own process and environment   heygen-pipelines worker
#   the HTTP API + webhook receiver, one process (bearer tokens, OpenAPI)    heygen-pipelines api --with-webhooks
# Ctrl-C (or SIGTERM) stops everything it started, workers first, the Temporal server last.
#
#   bash scripts/prod-shape.sh            # until Ctrl-C
#   bash scripts/prod-shape.sh --smoke    # start everything, run one lifecycle end to end, stop (exit 0 = passed)
#
# Ports (none collides with the demo's 7233, 8233, 4010, 8088): Temporal frontend 7433 (TEMPORAL_PG_FRONTEND_PORT;
# the other Temporal ports: see scripts/temporal-postgres.sh), S3 7470 (PROD_S3_PORT), simulator 4410
# (PROD_SIMULATOR_PORT), webhook receiver 8488 (PROD_WEBHOOK_PORT), HTTP API 8480 (API_PORT), metrics 9470 and up
# (METRICS_BASE_PORT). Also: PROD_WORKERS [2], PROD_SHAPE_DIR [.data/prod-shape] (the S3 server's data, each
# worker's OUTPUT_DIR, logs, webhook secret, API token, S3 credentials of the run), TEMPORAL_TASK_QUEUE
# [heygen-pipelines], TEMPORAL_NAMESPACE [default], API_TOKENS [a random token, in api.token],
# HEYGEN_WEBHOOK_SECRETS / HEYGEN_WEBHOOK_SECRETS_FILE (with real HeyGen).
# Media goes to bucket heygen-media, prefix media/, on the S3 server, under root credentials drawn for each run
# ($PROD_SHAPE_DIR/s3.env, mode 600: `set -a; . .data/prod-shape/s3.env` to reach the bucket yourself).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
smoke=0
case "${1:-}" in
  '') ;;
  --smoke) smoke=1 ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "unknown argument: $1 (try --help)" >&2
    exit 2
    ;;
esac

export TEMPORAL_PG_FRONTEND_PORT="${TEMPORAL_PG_FRONTEND_PORT:-7433}"
namespace="${TEMPORAL_NAMESPACE:-default}"
task_queue="${TEMPORAL_TASK_QUEUE:-heygen-pipelines}"
sim_port="${PROD_SIMULATOR_PORT:-4410}"
s3_port="${PROD_S3_PORT:-7470}"
webhook_port="${PROD_WEBHOOK_PORT:-8488}"
api_port="${API_PORT:-8480}"
metrics_base="${METRICS_BASE_PORT:-9470}"
workers="${PROD_WORKERS:-2}"
state="${PROD_SHAPE_DIR:-$root/.data/prod-shape}"
mkdir -p "$state/output" "$state/logs" "$state/s3"
state="$(cd "$state" && pwd)"
cli=(node "$root/dist/cli/main.js")

log() { echo "prod-shape: $*" >&2; }

# Every port this script gives a service must differ (a second service on a port would fail, or worse, a readiness
# check would find the first one).
ports=("$TEMPORAL_PG_FRONTEND_PORT" "$s3_port" "$sim_port" "$webhook_port" "$api_port")
for i in $(seq 0 "$workers"); do ports+=("$((metrics_base + i))"); done
duplicate="$(printf '%s\n' "${ports[@]}" | sort | uniq -d | head -1)"
if [ -n "$duplicate" ]; then
  log "port $duplicate is given to two services (TEMPORAL_PG_FRONTEND_PORT, PROD_S3_PORT, PROD_SIMULATOR_PORT," \
    "PROD_WEBHOOK_PORT, API_PORT, METRICS_BASE_PORT..+PROD_WORKERS)"
  exit 2
fi

bash "$root/scripts/ensure-deps.sh"

# --- process bookkeeping: every service is a child of this script, stopped in reverse order -----------------------
names=()
pids=()
server_started=0
stopping=0

stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  trap - INT TERM
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      log "stopping ${names[$i]} (pid ${pids[$i]})"
      kill -TERM "${pids[$i]}" 2>/dev/null || true
    fi
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    # Workers drain for up to their 10 s shutdown grace time; then they are killed.
    for _ in $(seq 1 150); do
      kill -0 "${pids[$i]}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${pids[$i]}" 2>/dev/null || true
  done
  if [ "$server_started" = 1 ]; then
    bash "$root/scripts/temporal-postgres.sh" --stop || true
  fi
}
# Stops the service started last (and forgets it).
stop_last() {
  local i=$((${#pids[@]} - 1))
  kill -TERM "${pids[$i]}" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "${pids[$i]}" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "${pids[$i]}" 2>/dev/null || true
  unset "pids[$i]" "names[$i]"
  pids=("${pids[@]}")
  names=("${names[@]}")
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# with_env ENV=VALUE... -- COMMAND...: runs COMMAND (and waits for it) with those variables exported in a subshell,
# so that secrets (S3 credentials, API tokens) never appear on a command line, which `ps` shows to every user.
with_env() {
  (
    while [ "$1" != -- ]; do
      export "$1"
      shift
    done
    shift
    exec "$@"
  )
}

# start NAME READY ENV=VALUE... -- COMMAND...: output to $state/logs/NAME.log and, prefixed, to stderr; returns once
# READY (a text the service prints, or tcp:PORT for a port that accepts connections) is seen, and fails if the
# process exits first or is not ready after 60 s. A tcp:PORT that already accepts connections is refused: the
# readiness check would be answered by whatever holds it.
start() {
  local name="$1" ready="$2"
  shift 2
  local envs=()
  while [ "$1" != -- ]; do
    envs+=("$1")
    shift
  done
  shift
  local logfile="$state/logs/$name.log"
  if [[ "$ready" == tcp:* ]] && (exec 3<>"/dev/tcp/127.0.0.1/${ready#tcp:}") 2>/dev/null; then
    log "$name: port ${ready#tcp:} is already in use on 127.0.0.1 (another prod-shape?)"
    exit 1
  fi
  : >"$logfile"
  # One fork that execs the service: $! is the service's own pid (what stop_all signals).
  (
    for e in "${envs[@]}"; do export "$e"; done
    exec "$@"
  ) </dev/null > >(tee -a "$logfile" | sed -u "s/^/[$name] /" >&2) 2>&1 &
  local pid=$!
  names+=("$name")
  pids+=("$pid")
  for _ in $(seq 1 600); do
    if case "$ready" in
      tcp:*) (exec 3<>"/dev/tcp/127.0.0.1/${ready#tcp:}") 2>/dev/null ;;
      *) grep -q -- "$ready" "$logfile" ;;
    esac then
      log "$name ready (pid $pid)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$name exited before it was ready; see $logfile"
      exit 1
    fi
    sleep 0.1
  done
  log "$name not ready after 60 s; see $logfile"
  exit 1
}

# --- 1. Temporal on PostgreSQL ---------------------------------------------------------------------------------
pg_state="${TEMPORAL_PG_STATE_DIR:-$root/.data/temporal-postgres}"
if [ -f "$pg_state/temporal-server.pid" ] && kill -0 "$(cat "$pg_state/temporal-server.pid")" 2>/dev/null; then
  log "using the Temporal server already running from $pg_state (left running on exit)"
else
  server_started=1
fi
address="$(TEMPORAL_NAMESPACE="$namespace" bash "$root/scripts/temporal-postgres.sh" --background)"
log "Temporal (PostgreSQL) on $address, namespace $namespace, task queue $task_queue"

# --- 2. S3-compatible storage: versitygw over $state/s3, where workers store and the API presigns media ----------
# Root credentials are drawn for each run and given only to the processes that need them (and to s3.env, mode 600,
# in the state directory, which is not committed).
s3_bucket=heygen-media
s3_prefix=media/
s3_endpoint="http://127.0.0.1:$s3_port"
s3_access_key="hp$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
s3_secret_key="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
versitygw="$(bash "$root/scripts/s3-server.sh")"
start s3 "tcp:$s3_port" ROOT_ACCESS_KEY_ID="$s3_access_key" ROOT_SECRET_ACCESS_KEY="$s3_secret_key" \
  -- "$versitygw" --port "127.0.0.1:$s3_port" --quiet posix "$state/s3"
# AWS_SESSION_TOKEN empty: one inherited from the caller's shell would be sent with these keys and refused.
storage_env=(STORAGE=s3 S3_BUCKET="$s3_bucket" S3_PREFIX="$s3_prefix" S3_REGION=us-east-1 S3_ENDPOINT="$s3_endpoint"
  S3_FORCE_PATH_STYLE=true AWS_ACCESS_KEY_ID="$s3_access_key" AWS_SECRET_ACCESS_KEY="$s3_secret_key" AWS_SESSION_TOKEN=)
(umask 077 && printf '%s\n' "${storage_env[@]}" >"$state/s3.env")
with_env "${storage_env[@]}" -- "${cli[@]}" storage check --create-bucket
log "media to s3://$s3_bucket/$s3_prefix on $s3_endpoint (versitygw, data in $state/s3)"

# --- 3. HeyGen: the simulator, or the real API -----------------------------------------------------------------
if [ -n "${HEYGEN_API_KEY:-}" ]; then
  heygen_url="${HEYGEN_API_BASE_URL:-https://api.heygen.com}"
  heygen_key="$HEYGEN_API_KEY"
  log "HeyGen: $heygen_url (HEYGEN_API_KEY set; no simulator)"
else
  heygen_url="http://127.0.0.1:$sim_port"
  heygen_key=sim-api-key
  sim_env=(SIMULATOR_HOST=127.0.0.1 SIMULATOR_PORT="$sim_port" SIMULATOR_API_KEY="$heygen_key")
  if [ "$smoke" = 1 ]; then
    # A quick smoke run: jobs take about a second instead of HeyGen-like minutes.
    sim_env+=(SIM_DURATION_PHOTO_MS="${SIM_DURATION_PHOTO_MS:-1000}" SIM_DURATION_LOOK_MS="${SIM_DURATION_LOOK_MS:-1000}"
      SIM_DURATION_LOOK_PROCESSING_MS="${SIM_DURATION_LOOK_PROCESSING_MS:-500}"
      SIM_DURATION_TRAINING_MS="${SIM_DURATION_TRAINING_MS:-2000}" SIM_DURATION_RENDER_MS="${SIM_DURATION_RENDER_MS:-1000}")
  fi
  start simulator 'HeyGen simulator listening' "${sim_env[@]}" -- "${cli[@]}" simulator
fi
heygen_env=(HEYGEN_API_BASE_URL="$heygen_url" HEYGEN_API_KEY="$heygen_key")
if [ -n "${HEYGEN_UPLOAD_BASE_URL:-}" ]; then
  heygen_env+=(HEYGEN_UPLOAD_BASE_URL="$HEYGEN_UPLOAD_BASE_URL")
fi
temporal_env=(TEMPORAL_ADDRESS="$address" TEMPORAL_NAMESPACE="$namespace" TEMPORAL_TASK_QUEUE="$task_queue")

# --- 4. workers: one task queue; media to S3, each its own OUTPUT_DIR (nothing on disk is shared) ---------------
# The workflow code is bundled once, as the image build does; workers load it instead of running webpack.
"${cli[@]}" bundle --out "$state/workflow-bundle.js" >/dev/null 2>&1
# The deployment decides how runs wait (the workers' HEYGEN_WAIT_MODE): on webhook events wherever the receiver below
# gets HeyGen's (the simulator's, or real HeyGen's when its signing secrets are given), else by polling.
wait_mode=poll
if [ -z "${HEYGEN_API_KEY:-}" ] || [ -n "${HEYGEN_WEBHOOK_SECRETS:-}${HEYGEN_WEBHOOK_SECRETS_FILE:-}" ]; then
  wait_mode=webhook
fi
for i in $(seq 1 "$workers"); do
  start "worker-$i" 'worker: task queue' "${temporal_env[@]}" "${heygen_env[@]}" "${storage_env[@]}" \
    HEYGEN_WAIT_MODE="$wait_mode" OUTPUT_DIR="$state/output/worker-$i" INPUT_DIR="${INPUT_DIR:-$root}" LOG_LEVEL="${LOG_LEVEL:-WARN}" \
    METRICS_PORT="$((metrics_base + i))" WORKFLOW_BUNDLE_PATH="$state/workflow-bundle.js" -- "${cli[@]}" worker
done

# --- 5. HTTP API + webhook receiver, one stateless process (the compose file's `api` service) -------------------
# Bearer tokens: API_TOKENS, or a fresh one written to $state/api.token (mode 600; never printed).
api_tokens="${API_TOKENS:-}"
if [ -z "$api_tokens" ]; then
  (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$state/api.token")
  api_tokens="prod-shape:$(cat "$state/api.token")"
fi
# The storage settings too: the media route presigns links to the workers' objects. Its links name another address
# of the store than the workers use, as in docker-compose.yml (versitygw:7070 inside, 127.0.0.1:7070 on the host).
s3_public_endpoint="http://localhost:$s3_port"
api_env=("${temporal_env[@]}" "${storage_env[@]}" S3_PUBLIC_ENDPOINT="$s3_public_endpoint" API_PORT="$api_port"
  API_TOKENS="$api_tokens" METRICS_PORT="$metrics_base" WEBHOOK_HOST=127.0.0.1 WEBHOOK_PORT="$webhook_port")
if [ -z "${HEYGEN_API_KEY:-}" ]; then
  # The simulator delivers to the receiver. Registering needs a receiver that answers HeyGen's OPTIONS check, and
  # the signing secret only comes back from the registration: start it with a throwaway secret, register
  # (idempotent; the secret goes to a file), then restart it with the registered secret, as after a rotation.
  start api "tcp:$api_port" "${api_env[@]}" \
    HEYGEN_WEBHOOK_SECRETS="bootstrap-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" -- "${cli[@]}" api --with-webhooks
  env "${heygen_env[@]}" "${cli[@]}" webhooks register --url "http://127.0.0.1:$webhook_port/webhooks/heygen" \
    --secret-file "$state/webhook.secret" >&2
  stop_last
  start api "tcp:$api_port" "${api_env[@]}" HEYGEN_WEBHOOK_SECRETS_FILE="$state/webhook.secret" \
    -- "${cli[@]}" api --with-webhooks
elif [ -n "${HEYGEN_WEBHOOK_SECRETS:-}${HEYGEN_WEBHOOK_SECRETS_FILE:-}" ]; then
  # Real HeyGen: the receiver must be reachable from the internet under the URL registered there.
  # (The receiver reads HEYGEN_WEBHOOK_SECRETS / HEYGEN_WEBHOOK_SECRETS_FILE from the inherited environment.)
  start api "tcp:$api_port" "${api_env[@]}" -- "${cli[@]}" api --with-webhooks
else
  log "webhook receiver skipped: set HEYGEN_WEBHOOK_SECRETS (from \`heygen-pipelines webhooks register\`) to run it"
  start api "tcp:$api_port" "${api_env[@]}" -- "${cli[@]}" api
fi

log "ready: Temporal $address (namespace $namespace, PostgreSQL), HeyGen $heygen_url, $workers worker(s)," \
  "$([ "$wait_mode" = webhook ] && echo "webhooks http://127.0.0.1:$webhook_port/webhooks/heygen" || echo "no webhooks")"
log "HTTP API http://127.0.0.1:$api_port (OpenAPI: /openapi.json; token in ${API_TOKENS:+API_TOKENS}${API_TOKENS:-$state/api.token})"
log "metrics (GET /metrics): API + receiver :$metrics_base, workers :$((metrics_base + 1))..:$((metrics_base + workers))"
log "media: s3://$s3_bucket/$s3_prefix on $s3_endpoint (credentials of this run: $state/s3.env)"
log "start a run:  curl -H \"Authorization: Bearer \$(cat $state/api.token)\" -H 'Content-Type: application/json' \\"
log "                -d '{\"reference\":\"my-order-1\",\"input\":'\"\$(cat examples/demo-lifecycle.json)\"'}' http://127.0.0.1:$api_port/v1/lifecycles"

# --- smoke: one lifecycle through the whole shape ----------------------------------------------------------------
# argv: result.json (the API's answer), the repository, the API's base URL, the run's workflow id; env: the storage
# settings and SMOKE_API_TOKEN. Prints what it checked, or why it failed (exit 1).
read -r -d '' smoke_check_js <<'JS' || true
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const [resultFile, root, apiUrl, workflowId] = process.argv.slice(1);
const load = require("module").createRequire(path.join(root, "package.json"));
const s3 = load("@aws-sdk/client-s3");
const { storageConfigFromEnv, s3ClientOf } = load("./dist/storage/config.js");
const sha256 = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");
const fail = (message) => {
  console.log(message);
  process.exit(1);
};
(async () => {
  const r = JSON.parse(fs.readFileSync(resultFile, "utf8")).result;
  const video = r.media && r.media.video;
  if (!video) fail("the result has no media.video");
  const config = storageConfigFromEnv();
  const under = `s3://${config.bucket}/${config.prefix}`;
  if (!video.uri.startsWith(under)) fail(`media.video.uri is ${video.uri}, not under ${under}`);
  if (video.sha256 !== r.sha256) fail(`media.video.sha256 ${video.sha256} differs from the result's ${r.sha256}`);
  const Bucket = config.bucket;
  const Key = video.uri.slice(`s3://${Bucket}/`.length);
  const client = s3ClientOf(config);
  try {
    const got = await client.send(new s3.GetObjectCommand({ Bucket, Key }));
    const body = Buffer.from(await got.Body.transformToByteArray());
    if (body.length !== video.bytes) fail(`${video.uri} holds ${body.length} bytes, the result says ${video.bytes}`);
    if (sha256(body) !== video.sha256) fail(`${video.uri}: sha256 ${sha256(body)}, the result says ${video.sha256}`);
    if (got.ContentType !== video.contentType) {
      fail(`${video.uri}: Content-Type ${got.ContentType}, not ${video.contentType}`);
    }
    const tags = await client.send(new s3.GetObjectTaggingCommand({ Bucket, Key }));
    const tag = (tags.TagSet || []).find((t) => t.Key === "sha256");
    if (!tag || tag.Value !== video.sha256) fail(`${video.uri}: sha256 tag ${tag ? tag.Value : "missing"}`);
    const uploads = await client.send(new s3.ListMultipartUploadsCommand({ Bucket, Prefix: Key }));
    const open = (uploads.Uploads || []).filter((u) => u.Key === Key).length;
    if (open > 0) fail(`${open} unfinished multipart upload(s) of ${video.uri}`);
  } finally {
    client.destroy();
  }
  let via = "the S3 API";
  const auth = { Authorization: `Bearer ${process.env.SMOKE_API_TOKEN}` };
  const openapi = await (await fetch(`${apiUrl}/openapi.json`, { headers: auth })).json();
  if (Object.keys(openapi.paths || {}).some((p) => /^\/v1\/runs\/\{[^}]+\}\/media\/\{[^}]+\}$/.test(p))) {
    const route = `/v1/runs/${encodeURIComponent(workflowId)}/media/video?format=json`;
    const res = await fetch(`${apiUrl}${route}`, { headers: auth });
    if (res.status !== 200) fail(`GET ${route} answered ${res.status}: ${await res.text()}`);
    const link = await res.json();
    if (link.sha256 !== video.sha256 || link.bytes !== video.bytes) {
      fail(`the media route describes ${JSON.stringify(link)}`);
    }
    const origin = new URL(link.url).origin;
    if (origin !== process.env.SMOKE_LINK_ORIGIN) fail(`the link names ${origin}, not S3_PUBLIC_ENDPOINT`);
    const download = await fetch(link.url);
    if (!download.ok) fail(`the presigned link answered ${download.status}`);
    const bytes = Buffer.from(await download.arrayBuffer());
    if (sha256(bytes) !== video.sha256) fail(`the presigned link served sha256 ${sha256(bytes)}`);
    via += ` and the API's presigned link (valid until ${link.expiresAt})`;
  }
  console.log(`${video.uri}: ${video.bytes} bytes, sha256 ${video.sha256}, checked through ${via}`);
})().catch((err) => fail(String((err && err.stack) || err)));
JS
if [ "$smoke" = 1 ]; then
  started=$(date +%s)
  # Through the HTTP API, as another service would: start with a reference, poll the result.
  token="${api_tokens#*:}"
  # The bearer header from a file (mode 600), not curl's command line.
  (umask 077 && printf 'Authorization: Bearer %s\n' "$token" >"$state/smoke.auth")
  api=(curl -sS --fail-with-body -H @"$state/smoke.auth" -H 'Content-Type: application/json')
  reference="prod-shape-smoke-$started"
  body="{\"reference\":\"$reference\",\"input\":$(cat "$root/examples/demo-lifecycle.json")}"
  if ! started_json="$("${api[@]}" -d "$body" "http://127.0.0.1:$api_port/v1/lifecycles")"; then
    log "smoke run FAILED: POST /v1/lifecycles answered $started_json"
    exit 1
  fi
  workflow_id="$(printf '%s' "$started_json" | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8")).workflowId)')"
  log "started $workflow_id through the HTTP API"
  result=""
  for _ in $(seq 1 600); do
    code="$(curl -sS -o "$state/result.json" -w '%{http_code}' -H @"$state/smoke.auth" \
      "http://127.0.0.1:$api_port/v1/runs/$workflow_id/result")"
    if [ "$code" = 200 ]; then
      result="$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        if (r.status !== "completed") { console.error(JSON.stringify(r)); process.exit(1); }
        console.log(JSON.stringify(r.result, null, 2));' "$state/result.json")" || {
        log "smoke run FAILED: the lifecycle did not complete"
        exit 1
      }
      break
    fi
    sleep 0.5
  done
  if [ -z "$result" ]; then
    log "smoke run FAILED: no result within 5 minutes"
    exit 1
  fi
  printf '%s\n' "$result"
  # The video is in the S3 server, not on a worker's disk: read it back through the SDK (dist/, the storage settings
  # the workers have), compare size, type, sha256 and its sha256 tag, and see no unfinished upload of its key. When
  # the API has the media route, also fetch the video through the presigned link it hands out.
  check="$(with_env "${storage_env[@]}" SMOKE_API_TOKEN="$token" SMOKE_LINK_ORIGIN="$s3_public_endpoint" -- node -e "$smoke_check_js" \
    "$state/result.json" "$root" "http://127.0.0.1:$api_port" "$workflow_id")" || {
    log "smoke run FAILED: $check"
    exit 1
  }
  log "smoke run passed in $(($(date +%s) - started)) s ($wait_mode mode): $check"
  exit 0
fi

# --- until Ctrl-C, or until a service dies -------------------------------------------------------------------------
log "running; Ctrl-C stops everything"
while :; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      log "${names[$i]} exited; stopping everything (see $state/logs/${names[$i]}.log)"
      exit 1
    fi
  done
  sleep 1 &
  wait $! || true
done

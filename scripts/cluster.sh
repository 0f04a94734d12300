#!/usr/bin/env bash
# A whole Tasker cluster on one machine, without Docker: Redis and PostgreSQL from build/services.sh, and N silos
# in cluster mode as background processes. Everything it keeps is under .cluster/ (gitignored).
#
#   scripts/cluster.sh up [N] [A]  build Tasker.Silo and Tasker.Client (Release), start the services, start silos
#                               1..N (default 2), wait until each answers GET /health/live, then start A executor
#                               agents (default 0; `tasker agent`, spread over the silos), print their URLs
#   scripts/cluster.sh down     stop the agents, the silos, then the services (data stay in .cluster/; rm -rf it to forget)
#   scripts/cluster.sh status   what runs
#
# Silo i: HTTP on http://127.0.0.1:(5000+i), silo port 11111+i (no Orleans gateway), log .cluster/silo-i.log,
# pid .cluster/silo-i.pid. With agents, the silos run with shell tasks enabled (they listen on loopback only) and an
# agent token made once in .cluster/agent-token; agent j logs to .cluster/agent-j.log. Set TASKER_NO_BUILD=1 to use the build that is there, TASKER_HEALTH_TIMEOUT to wait
# other than 60 s for a silo to answer.
#
# Authentication is on in cluster mode. The first admin is "admin" (TASKER_ADMIN_NAME) with the password
# TASKER_ADMIN_PASSWORD and/or the API key TASKER_ADMIN_API_KEY; with neither set, a random password is made once
# and kept in .cluster/admin-password (mode 600), so that the same one works after a restart.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
state=$root/.cluster
services=$root/build/services.sh
bin=$root/Tasker.Silo/bin/Release/net10.0
dll=$bin/Tasker.Silo.dll
agent_dll=$root/Tasker.Client/bin/Release/net10.0/tasker.dll
health_timeout=${TASKER_HEALTH_TIMEOUT:-60} # seconds a silo has to answer GET /health/live

say() { echo "cluster.sh: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

usage() {
  echo "usage: $0 up [N] [A] | down | status" >&2
  exit 64
}

http_port() { echo $((5000 + $1)); }
silo_url() { echo "http://127.0.0.1:$(http_port "$1")"; }

# running <pid>: the process exists and has not exited (an exited child of ours is a zombie until waited for).
running() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null || true)
  [ -n "$stat" ] && [[ "$stat" != Z* ]]
}

# alive <pidfile>: true when the pid in <pidfile> is a running dotnet process (a reused pid is not ours).
alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  running "$pid" && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = dotnet ]
}

# live <i>: true when silo i answers GET /health/live with 2xx.
live() {
  local port
  port=$(http_port "$1")
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null -m 2 "http://127.0.0.1:$port/health/live" 2>/dev/null
  else
    timeout 3 bash -c "exec 5<>/dev/tcp/127.0.0.1/$port && printf 'GET /health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&5 &&
      head -n 1 <&5 | grep -q ' 2[0-9][0-9] '" 2>/dev/null
  fi
}

port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    timeout 2 bash -c ": </dev/tcp/127.0.0.1/$1" 2>/dev/null
  fi
}

# Sets the array pidfiles to .cluster/silo-*.pid in silo order.
list_pidfiles() {
  pidfiles=()
  local f
  shopt -s nullglob
  for f in "$state"/silo-*.pid; do pidfiles+=("$f"); done
  shopt -u nullglob
  if [ "${#pidfiles[@]}" -gt 1 ]; then
    mapfile -t pidfiles < <(printf '%s\n' "${pidfiles[@]}" | sort -V)
  fi
}

silo_number() {
  local i=${1##*/silo-}
  echo "${i%.pid}"
}

# stop_silos <pidfile>...: SIGTERM to each (a graceful leave), SIGKILL to those still there after 30 s.
stop_silos() {
  local pidfile pids=() pid left _
  for pidfile in "$@"; do
    if alive "$pidfile"; then
      pid=$(cat "$pidfile")
      say "stopping $(basename "$pidfile" .pid) (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for _ in $(seq 1 150); do
    left=()
    for pid in ${pids[@]+"${pids[@]}"}; do
      if running "$pid"; then left+=("$pid"); fi
    done
    [ "${#left[@]}" -gt 0 ] || break
    sleep 0.2
  done
  if [ "${#left[@]}" -gt 0 ]; then
    say "pid(s) ${left[*]} did not stop within 30 s: killing them"
    kill -KILL "${left[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      for pid in "${left[@]}"; do
        if running "$pid"; then sleep 0.1 && continue 2; fi
      done
      break
    done
  fi
  for pidfile in "$@"; do rm -f "$pidfile"; done
}

tail_log() {
  local log=$state/silo-$1.log
  echo "----- the end of $log -----" >&2
  tail -n "${2:-25}" "$log" >&2 2>/dev/null || echo "(no log)" >&2
  echo "-----" >&2
}

up() {
  local n=${1:-2} agents=${2:-0} i pidfile port started=() failed=() deadline env_lines pidfiles token=""
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || die "N must be a number from 1 to 99, not '$n'"
  [[ "$agents" =~ ^[0-9][0-9]?$ ]] || die "A (agents) must be a number from 0 to 99, not '$agents'"
  command -v dotnet >/dev/null 2>&1 || die "dotnet is not on PATH"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

  if [ "${TASKER_NO_BUILD:-}" != 1 ]; then
    say "building Tasker.Silo (Release)"
    dotnet build Tasker.Silo/Tasker.Silo.csproj --configuration Release --nologo -v quiet >&2 ||
      die "the build failed"
    if [ "$agents" -gt 0 ]; then
      dotnet build Tasker.Client/Tasker.Client.csproj --configuration Release --nologo -v quiet >&2 || die "the build failed"
    fi
  fi
  [ -f "$dll" ] || die "$dll is missing: build Tasker.Silo in Release first"
  if [ "$agents" -gt 0 ]; then
    [ -f "$agent_dll" ] || die "$agent_dll is missing: build Tasker.Client in Release first"
    mkdir -p "$state"
    [ -s "$state/agent-token" ] || (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/agent-token")
    token=$(cat "$state/agent-token")
  fi

  mkdir -p "$state" "$state/files"
  if [ -z "${TASKER_ADMIN_PASSWORD:-}${TASKER_ADMIN_API_KEY:-}" ]; then
    if [ ! -s "$state/admin-password" ]; then
      (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$state/admin-password")
      say "made an admin password: .cluster/admin-password"
    fi
    TASKER_ADMIN_PASSWORD=$(cat "$state/admin-password")
  fi
  env_lines=$("$services" start "$state") || die "build/services.sh could not start Redis and PostgreSQL"
  eval "$env_lines"
  : "${TASKER_REDIS:?services.sh printed no TASKER_REDIS}" "${TASKER_POSTGRES:?services.sh printed no TASKER_POSTGRES}"

  for ((i = 1; i <= n; i++)); do
    pidfile=$state/silo-$i.pid
    if alive "$pidfile"; then
      say "silo $i already runs (pid $(cat "$pidfile"))"
      continue
    fi
    rm -f "$pidfile"
    for port in "$(http_port "$i")" $((11111 + i)); do
      port_in_use "$port" && die "port $port (silo $i) is taken by another process"
    done
    say "starting silo $i on $(silo_url "$i") (log: .cluster/silo-$i.log)"
    # From the build output, as an operator would run it (appsettings.json is found there). In its own session,
    # stdin from /dev/null and every fd above 2 closed, so that it outlives this script and holds none of its pipes.
    (
      cd "$bin"
      for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
      done
      export ConnectionStrings__Redis="$TASKER_REDIS"
      export ConnectionStrings__Postgres="$TASKER_POSTGRES"
      export Orleans__ClusterId=tasker Orleans__ServiceId=tasker
      export Orleans__SiloPort=$((11111 + i)) Orleans__AdvertisedIP=127.0.0.1
      export ASPNETCORE_URLS
      ASPNETCORE_URLS=$(silo_url "$i")
      export Tasker__Files__Path="$state/files"
      if [ -n "$token" ]; then
        export Tasker__Shell__Enabled=true Tasker__Agents__Token="$token"
      fi
      export Tasker__Auth__AdminName="${TASKER_ADMIN_NAME:-admin}"
      export Tasker__Auth__AdminPassword="${TASKER_ADMIN_PASSWORD:-}" Tasker__Auth__AdminApiKey="${TASKER_ADMIN_API_KEY:-}"
      exec setsid dotnet "$dll" </dev/null >"$state/silo-$i.log" 2>&1
    ) &
    echo $! >"$pidfile"
    disown # no job notices from bash ("Aborted ...") when a silo dies: the log says why
    started+=("$i")
  done

  deadline=$((SECONDS + health_timeout))
  for i in "${started[@]}"; do
    pidfile=$state/silo-$i.pid
    while true; do
      if live "$i"; then
        say "silo $i is live"
        break
      fi
      if ! running "$(cat "$pidfile")"; then
        say "silo $i exited before it answered GET $(silo_url "$i")/health/live"
        tail_log "$i"
        failed+=("$i")
        break
      fi
      if [ "$SECONDS" -ge "$deadline" ]; then
        say "silo $i did not answer GET $(silo_url "$i")/health/live within ${health_timeout} s"
        tail_log "$i"
        failed+=("$i")
        break
      fi
      sleep 0.5
    done
  done

  if [ "${#failed[@]}" -gt 0 ]; then
    pidfiles=()
    for i in "${started[@]}"; do pidfiles+=("$state/silo-$i.pid"); done
    stop_silos "${pidfiles[@]}"
    say "error: silo(s) ${failed[*]} did not start; stopped the silos this run started."
    say "Redis and PostgreSQL still run ($TASKER_REDIS, PostgreSQL port $(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$TASKER_POSTGRES")): scripts/cluster.sh down stops them"
    exit 1
  fi

  for ((i = 1; i <= agents; i++)); do
    pidfile=$state/agent-$i.pid
    if alive "$pidfile"; then
      say "agent $i already runs (pid $(cat "$pidfile"))"
      continue
    fi
    say "starting agent $i on $(silo_url $(((i - 1) % n + 1))) (log: .cluster/agent-$i.log)"
    (
      for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
      done
      export TASKER_AGENT_TOKEN="$token" POLL_INTERVAL="${POLL_INTERVAL:-5s}" LOG_LEVEL="${LOG_LEVEL:-info}"
      exec setsid dotnet "$agent_dll" agent --url "$(silo_url $(((i - 1) % n + 1)))" --name "agent-$i" </dev/null >"$state/agent-$i.log" 2>&1
    ) &
    echo $! >"$pidfile"
    disown
  done

  echo "Tasker cluster 'tasker' is up:"
  list_pidfiles
  for pidfile in "${pidfiles[@]}"; do
    i=$(silo_number "$pidfile")
    echo "  silo $i: $(silo_url "$i")  (pid $(cat "$pidfile"), log .cluster/silo-$i.log)"
  done
  for ((i = 1; i <= agents; i++)); do
    echo "  agent $i: pid $(cat "$state/agent-$i.pid"), log .cluster/agent-$i.log"
  done
  echo "  Redis: $TASKER_REDIS"
  echo "  PostgreSQL: $TASKER_POSTGRES"
  echo "  Admin: ${TASKER_ADMIN_NAME:-admin}$([ -s "$state/admin-password" ] && [ -z "${TASKER_ADMIN_API_KEY:-}" ] && echo ", password in .cluster/admin-password")"
  echo "Try: curl -s $(silo_url 1)/health/ready    Stop: scripts/cluster.sh down"
}

down() {
  local pidfile pidfiles
  if [ ! -d "$state" ]; then
    say "nothing runs (no .cluster/)"
    return 0
  fi
  shopt -s nullglob
  local agent_pidfiles=("$state"/agent-*.pid)
  shopt -u nullglob
  # Agents first: each releases the task it holds while the silos still answer.
  stop_silos ${agent_pidfiles[@]+"${agent_pidfiles[@]}"}
  list_pidfiles
  stop_silos ${pidfiles[@]+"${pidfiles[@]}"}
  "$services" stop "$state"
}

status() {
  local pidfile i ok=0 port pidfiles pg_isready
  if [ ! -d "$state" ]; then
    echo "nothing runs (no .cluster/)"
    return 1
  fi
  if [ -s "$state/redis/port" ] && [ "$(redis-cli -h 127.0.0.1 -p "$(cat "$state/redis/port")" ping 2>/dev/null)" = PONG ]; then
    echo "redis:      up   127.0.0.1:$(cat "$state/redis/port")"
  else
    echo "redis:      down"
    ok=1
  fi
  port=$(cat "$state/postgres/port" 2>/dev/null || true)
  pg_isready=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/pg_isready
  [ -x "$pg_isready" ] || pg_isready=pg_isready
  if [ -n "$port" ] && "$pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 2>/dev/null; then
    echo "postgres:   up   127.0.0.1:$port"
  else
    echo "postgres:   down"
    ok=1
  fi
  list_pidfiles
  for pidfile in "${pidfiles[@]}"; do
    i=$(silo_number "$pidfile")
    if ! alive "$pidfile"; then
      echo "silo $i:     down (stale pid file; log .cluster/silo-$i.log)"
      ok=1
    elif live "$i"; then
      echo "silo $i:     live $(silo_url "$i") (pid $(cat "$pidfile"))"
    else
      echo "silo $i:     running but not live $(silo_url "$i") (pid $(cat "$pidfile"))"
      ok=1
    fi
  done
  [ "${#pidfiles[@]}" -gt 0 ] || echo "silos:      none"
  return "$ok"
}

case "${1:-}" in
  up)
    [ "$#" -le 3 ] || usage
    up "${2:-2}" "${3:-0}"
    ;;
  down)
    [ "$#" -eq 1 ] || usage
    down
    ;;
  status)
    [ "$#" -eq 1 ] || usage
    status
    ;;
  *) usage ;;
esac

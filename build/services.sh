#!/usr/bin/env bash
# The Redis and PostgreSQL servers that Tasker's cluster mode needs, as throwaway servers on loopback whose data
# live under one directory. Used by the cluster tests and by scripts/cluster.sh.
#
#   build/services.sh start <dir>        start both (or reuse the running ones) and print, on stdout, exactly:
#                                          export TASKER_REDIS=127.0.0.1:<port>
#                                          export TASKER_POSTGRES='Host=127.0.0.1;Port=<port>;...;Database=tasker'
#   build/services.sh stop <dir>         stop both (nothing running: nothing to do)
#   build/services.sh stop-redis <dir>   stop only Redis (tests that cut Redis off for a while)
#   build/services.sh start-redis <dir>  start Redis again, empty, on the port it had; prints the TASKER_REDIS line
#   build/services.sh stop-postgres <dir>   stop only PostgreSQL, immediately (a crash: the chaos soak)
#   build/services.sh start-postgres <dir>  start PostgreSQL again, with its data, on the port it had when free
#
# Everything else goes to stderr. Ports: REDIS_PORT and POSTGRES_PORT when set, else the first free ones from
# 6390 and 55432; a directory keeps its ports across stop/start while they stay free.
# PostgreSQL refuses to run as root: as root, initdb and postgres run as PG_USER, else as the `postgres` system
# user when it exists, else as a `tasker` system user created for it. Redis is installed with apt-get when missing.
# Layout of <dir>: redis/ (pid, log, port), postgres/ (owned by that user: data/, logs, superuser password, port),
# env (the two lines printed). Redis keeps nothing on disk (no RDB, no AOF): a restart starts empty. When that user
# cannot reach <dir> (e.g. under /root), postgres/ is a link to a directory made under /tmp.
# Needs: bash, flock, runuser (as root), ss or bash's /dev/tcp, PostgreSQL's binaries (/usr/lib/postgresql/*/bin or
# PG_BIN; installed with apt-get when there are none).
set -euo pipefail

# The two lines are the only stdout: fd 3 is the real stdout, and everything else writes to stderr.
exec 3>&1 1>&2

usage() {
  echo "usage: $0 start|stop|start-redis|stop-redis|start-postgres|stop-postgres <dir>"
  exit 64
}

say() { echo "services.sh: $*"; }
die() {
  say "error: $*"
  exit 1
}

[ "$#" -eq 2 ] || usage
verb=$1
case "$verb" in start | stop | start-redis | stop-redis | start-postgres | stop-postgres) ;; *) usage ;; esac

if [ "$verb" = stop ] || [ "$verb" = stop-redis ] || [ "$verb" = stop-postgres ]; then
  if [ ! -d "$2" ]; then
    say "$2 does not exist: nothing to stop"
    exit 0
  fi
else
  mkdir -p "$2"
fi
dir=$(cd "$2" && pwd -P)
redis_dir=$dir/redis
pg_home=$dir/postgres

# One command at a time per directory. Servers are started `detached` (below) so that they hold neither this
# lock nor the caller's stdout pipe (a caller reading stdout to the end would otherwise wait forever).
exec 9>"$dir/.lock"
flock -w 300 9 || die "another services.sh holds $dir/.lock"

# detached <command...>: runs a command (that may leave a server behind) with stdin from /dev/null and every fd
# above 2 closed, so that the server holds neither our lock, nor the caller's pipes, nor anything else we inherited.
# The caller redirects stdout and stderr.
detached() {
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then
        eval "exec $fd>&-" 2>/dev/null || true
      fi
    done
    exec "$@" </dev/null
  )
}

# ---------------------------------------------------------------------------------------------------- ports --

port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    timeout 2 bash -c ": </dev/tcp/127.0.0.1/$1" 2>/dev/null
  fi
}

# first_free_port <from>: the first port from <from> on that nothing listens on.
first_free_port() {
  local port
  for ((port = $1; port < $1 + 500; port++)); do
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  die "no free port in $1-$(($1 + 499))"
}

# --------------------------------------------------------------------------------------------------- redis --

redis_pidfile=$redis_dir/redis.pid
redis_portfile=$redis_dir/port

ensure_redis_installed() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "redis-server is missing and this is not root: install the redis-server package"
  say "installing redis-server with apt-get"
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=300)
  # detached: a service that a package's maintainer script starts must not hold our stdout or lock.
  if ! detached "${apt[@]}" install redis-server; then
    detached "${apt[@]}" update
    detached "${apt[@]}" install redis-server
  fi
  command -v redis-server >/dev/null 2>&1 || die "redis-server still missing after apt-get install"
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }

# redis_ours <port>: true when the Redis answering on <port> is the one whose pid is in our pidfile.
redis_ours() {
  local pid
  [ -s "$redis_pidfile" ] || return 1
  pid=$(cat "$redis_pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  redis_cli "$1" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$pid"
}

# start_redis <port> <fixed>: starts Redis on <port> and waits until it answers. Fails when it does not;
# with <fixed> = no, the caller may try another port.
start_redis_on() {
  local port=$1 pid log=$redis_dir/redis.log before
  mkdir -p "$redis_dir"
  rm -f "$redis_pidfile"
  before=$(stat -c %s "$log" 2>/dev/null || echo 0) # the log is appended to: look only at this start's lines
  say "starting redis-server on 127.0.0.1:$port (log: $redis_dir/redis.log)"
  if ! detached redis-server --save "" --appendonly no --daemonize yes --port "$port" --bind 127.0.0.1 \
    --dir "$redis_dir" --pidfile "$redis_pidfile" --logfile "$redis_dir/redis.log" >>"$redis_dir/redis.log" 2>&1; then
    return 1
  fi
  for _ in $(seq 1 150); do
    if [ "$(redis_cli "$port" ping 2>/dev/null || true)" = PONG ] && redis_ours "$port"; then
      echo "$port" >"$redis_portfile"
      return 0
    fi
    if [ -s "$redis_pidfile" ]; then
      pid=$(cat "$redis_pidfile")
      kill -0 "$pid" 2>/dev/null || break
    elif tail -c +$((before + 1)) "$log" 2>/dev/null | grep -q "Could not create server TCP listening socket"; then
      break
    fi
    sleep 0.2
  done
  say "redis-server did not answer on port $port; the end of its log:"
  tail -c +$((before + 1)) "$log" 2>/dev/null | tail -n 15 || true
  stop_redis quiet
  return 1
}

# ensure_redis <remembered-port-only>: reuses our running Redis or starts one; sets redis_port.
ensure_redis() {
  local same_port=$1 port="" fixed=no attempt
  if [ -s "$redis_portfile" ]; then
    port=$(cat "$redis_portfile")
    if redis_ours "$port"; then
      say "redis-server already running on 127.0.0.1:$port (pid $(cat "$redis_pidfile"))"
      redis_port=$port
      return 0
    fi
  fi
  ensure_redis_installed
  if [ "$same_port" = yes ]; then
    [ -n "$port" ] || die "no Redis port remembered in $redis_portfile: run '$0 start $dir' first"
    port_in_use "$port" && die "port $port (this directory's Redis port) is taken by another process"
    fixed=yes
  elif [ -n "${REDIS_PORT:-}" ]; then
    port=$REDIS_PORT
    fixed=yes
  elif [ -z "$port" ] || port_in_use "$port"; then
    port=$(first_free_port 6390)
  fi
  for attempt in 1 2 3 4 5; do
    if start_redis_on "$port"; then
      redis_port=$port
      return 0
    fi
    [ "$fixed" = no ] || die "could not start redis-server on port $port"
    port=$(first_free_port $((port + 1)))
    say "trying port $port (attempt $((attempt + 1)))"
  done
  die "could not start redis-server"
}

# stop_redis [quiet]: stops our Redis and waits until it has gone, so that its port is free again.
stop_redis() {
  local pid port
  if [ ! -s "$redis_pidfile" ]; then
    [ "${1:-}" = quiet ] || say "redis-server is not running"
    return 0
  fi
  pid=$(cat "$redis_pidfile")
  if ! kill -0 "$pid" 2>/dev/null || [ "$(ps -o comm= -p "$pid" 2>/dev/null)" != redis-server ]; then
    rm -f "$redis_pidfile"
    [ "${1:-}" = quiet ] || say "redis-server is not running"
    return 0
  fi
  port=$(cat "$redis_portfile" 2>/dev/null || true)
  [ "${1:-}" = quiet ] || say "stopping redis-server (pid $pid${port:+, port $port})"
  if [ -n "$port" ]; then
    # SAVE: a restarted Redis comes back with the cluster membership and reminders it had, as a persistent one would.
    redis_cli "$port" shutdown save >/dev/null 2>&1 || true
  fi
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$i" -ne 25 ] || kill -TERM "$pid" 2>/dev/null || true
    [ "$i" -ne 75 ] || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && die "redis-server (pid $pid) did not stop"
  rm -f "$redis_pidfile"
}

# ---------------------------------------------------------------------------------------------- postgresql --

pg_portfile=$pg_home/port
pg_data=""
pg_user=""
pg_bin=""

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    pg_bin=$PG_BIN
  else
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1; then
      pg_bin=$(dirname "$(command -v initdb)")
    fi
  fi
  if [ -z "$pg_bin" ] && [ "$(id -u)" -eq 0 ] && [ "$verb" = start ]; then
    say "no PostgreSQL binaries found: installing postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
    local apt=(apt-get -y -q -o DPkg::Lock::Timeout=300)
    if ! detached "${apt[@]}" install postgresql; then
      detached "${apt[@]}" update
      detached "${apt[@]}" install postgresql
    fi
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  [ -n "$pg_bin" ] && [ -x "$pg_bin/pg_ctl" ] || die "no PostgreSQL binaries (set PG_BIN to the directory of pg_ctl)"
}

# The user PostgreSQL runs as: root may not run it.
find_pg_user() {
  local owner=""
  if [ -d "$pg_home" ]; then
    owner=$(stat -c %U "$(readlink -f "$pg_home")")
  fi
  if [ "$(id -u)" -ne 0 ]; then
    pg_user=$(id -un)
  elif [ -n "$owner" ] && [ "$owner" != root ] && [ "$owner" != UNKNOWN ]; then
    pg_user=$owner # the user this directory's server was made for
  elif [ -n "${PG_USER:-}" ]; then
    pg_user=$PG_USER
    id -u "$pg_user" >/dev/null 2>&1 || die "PG_USER=$pg_user does not exist"
  elif id -u postgres >/dev/null 2>&1; then
    pg_user=postgres
  else
    pg_user=tasker
    if ! id -u tasker >/dev/null 2>&1; then
      say "creating system user tasker to run PostgreSQL (it may not run as root)"
      useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin tasker
    fi
  fi
}

# as_pg <command...>: runs a command as the PostgreSQL user, from / (root's working directory may be closed to it).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u "$pg_user" -- "$@")
  else
    (cd / && "$@")
  fi
}

detached_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && detached runuser -u "$pg_user" -- "$@")
  else
    (cd / && detached "$@")
  fi
}

# Makes $pg_home, owned by the PostgreSQL user, and sets pg_data. When that user cannot reach <dir> (under a
# directory closed to it, such as /root), the data go to a directory under /tmp that $pg_home links to.
prepare_pg_home() {
  local target
  if [ ! -e "$pg_home" ] && [ ! -L "$pg_home" ] && ! as_pg test -x "$dir" 2>/dev/null; then
    target=$(mktemp -d "${TMPDIR:-/tmp}/tasker-postgres.XXXXXX")
    say "$pg_user cannot reach $dir: PostgreSQL's data go to $target (linked from $pg_home)"
    ln -s "$target" "$pg_home"
  fi
  if [ -L "$pg_home" ] && [ ! -d "$pg_home" ]; then
    say "$pg_home links to a directory that has gone: starting over"
    rm -f "$pg_home"
    prepare_pg_home
    return
  fi
  mkdir -p "$pg_home"
  target=$(readlink -f "$pg_home")
  if [ "$(id -u)" -eq 0 ]; then
    chown "$pg_user:" "$target"
  fi
  chmod 700 "$target"
  as_pg test -w "$target" || die "$pg_user cannot write $target"
  pg_data=$target/data
}

pg_running() { [ -n "$pg_data" ] && [ -f "$pg_data/PG_VERSION" ] && as_pg "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; }

superuser_password() { cat "$(readlink -f "$pg_home")/superuser-password"; }

pg_init() {
  local home password_file
  home=$(readlink -f "$pg_home")
  password_file=$home/superuser-password
  if [ -f "$pg_data/PG_VERSION" ]; then
    return 0
  fi
  rm -rf "$pg_data"
  if [ ! -s "$password_file" ]; then
    (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$password_file")
    [ "$(id -u)" -ne 0 ] || chown "$pg_user:" "$password_file"
  fi
  say "initdb $pg_data (as $pg_user)"
  if ! as_pg "$pg_bin/initdb" -D "$pg_data" --username=postgres --pwfile="$password_file" \
    --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --no-locale </dev/null >"$home/initdb.log" 2>&1; then
    tail -n 20 "$home/initdb.log" || true
    die "initdb failed (log: $home/initdb.log)"
  fi
  # Loopback TCP only (no Unix socket: its directory and path length are one more thing to go wrong), and no
  # durability beyond the process: these data are thrown away.
  cat >>"$pg_data/postgresql.conf" <<'EOF'

# build/services.sh: a throwaway server on loopback.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

# start_pg_on <port>: starts PostgreSQL on <port>; fails when it does not come up.
start_pg_on() {
  local port=$1 home
  home=$(readlink -f "$pg_home")
  say "starting PostgreSQL on 127.0.0.1:$port as $pg_user (log: $home/postgres.log)"
  if detached_as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$home/postgres.log" -o "-p $port" -w -t 60 start \
    >>"$home/pg_ctl.log" 2>&1; then
    echo "$port" >"$pg_portfile"
    return 0
  fi
  say "PostgreSQL did not start on port $port; the end of its log:"
  tail -n 15 "$home/postgres.log" 2>/dev/null || true
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop </dev/null >/dev/null 2>&1 || true
  return 1
}

ensure_pg() {
  local port="" fixed=no attempt
  find_pg_bin
  find_pg_user
  prepare_pg_home
  if pg_running; then
    port=$(cat "$pg_portfile" 2>/dev/null || true)
    [ -n "$port" ] || die "PostgreSQL runs on $pg_data but its port is not in $pg_portfile: run '$0 stop $dir'"
    say "PostgreSQL already running on 127.0.0.1:$port ($pg_data)"
  else
    pg_init
    if [ -n "${POSTGRES_PORT:-}" ]; then
      port=$POSTGRES_PORT
      fixed=yes
    else
      port=$(cat "$pg_portfile" 2>/dev/null || true)
      if [ -z "$port" ] || port_in_use "$port"; then
        port=$(first_free_port 55432)
      fi
    fi
    for attempt in 1 2 3 4 5 0; do
      [ "$attempt" -ne 0 ] || die "could not start PostgreSQL"
      start_pg_on "$port" && break
      [ "$fixed" = no ] || die "could not start PostgreSQL on port $port"
      port=$(first_free_port $((port + 1)))
      say "trying port $port (attempt $((attempt + 1)))"
    done
  fi
  for _ in $(seq 1 150); do
    if "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2; then
      break
    fi
    sleep 0.2
  done
  "$pg_bin/pg_isready" -h 127.0.0.1 -p "$port" -t 2 || die "PostgreSQL does not answer on port $port"

  # The application's role and database (again on every start: cheap, and repairs a half-done first start).
  PGPASSWORD=$(superuser_password) PGCONNECT_TIMEOUT=10 "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null <<'SQL'
SELECT 'CREATE ROLE tasker LOGIN PASSWORD ''tasker'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tasker')\gexec
ALTER ROLE tasker LOGIN PASSWORD 'tasker';
SELECT 'CREATE DATABASE tasker OWNER tasker'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tasker')\gexec
SQL
  PGPASSWORD=tasker PGCONNECT_TIMEOUT=10 "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$port" -U tasker -d tasker -c 'SELECT 1' >/dev/null ||
    die "cannot connect to database tasker as tasker"
  pg_port=$port
}

stop_pg() {
  local mode=${1:-fast}
  if [ ! -e "$pg_home" ]; then
    say "PostgreSQL is not running"
    return 0
  fi
  find_pg_bin
  find_pg_user
  pg_data=$(readlink -f "$pg_home")/data
  if ! pg_running; then
    say "PostgreSQL is not running"
    return 0
  fi
  say "stopping PostgreSQL ($pg_data, $mode)"
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m "$mode" -w -t 60 stop </dev/null >/dev/null ||
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w -t 30 stop </dev/null >/dev/null
}

# ---------------------------------------------------------------------------------------------------- main --

redis_line() { echo "export TASKER_REDIS=127.0.0.1:$redis_port"; }

case "$verb" in
  start)
    ensure_redis no
    ensure_pg
    {
      redis_line
      echo "export TASKER_POSTGRES='Host=127.0.0.1;Port=$pg_port;Username=tasker;Password=tasker;Database=tasker'"
    } >"$dir/env"
    say "ready: Redis on 127.0.0.1:$redis_port, PostgreSQL on 127.0.0.1:$pg_port (stop: $0 stop $dir)"
    cat "$dir/env" >&3
    ;;
  stop)
    stop_redis
    stop_pg
    ;;
  start-redis)
    ensure_redis yes
    redis_line >&3
    ;;
  stop-redis)
    stop_redis
    ;;
  start-postgres)
    ensure_pg
    echo "export TASKER_POSTGRES='Host=127.0.0.1;Port=$pg_port;Username=tasker;Password=tasker;Database=tasker'" >&3
    ;;
  stop-postgres)
    stop_pg immediate
    ;;
esac

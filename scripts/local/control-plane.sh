#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1 only, for the local stack and the integration
# suite: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (one simulated
# node whose pods kwok marks Running/Ready, so Deployments become Available without a kubelet).
#
#   scripts/local/control-plane.sh start [DIR]   # prints the kubeconfig path on its last line
#   scripts/local/control-plane.sh stop  [DIR]   # stops the processes by PID, removes DIR
#   scripts/local/control-plane.sh status [DIR]
#
# DIR defaults to a new mktemp folder on start; the last started DIR is remembered in
# $CONTROL_PLANE_POINTER (default /tmp/distroless-python-control-plane.dir) so stop/status
# need no argument. Certificates are made per run in DIR/pki; etcd's data lives in DIR/etcd.
# Ports (all on 127.0.0.1): ETCD_PORT (2379, peer +1), APISERVER_PORT (6443),
# CONTROLLER_MANAGER_PORT (10257), SCHEDULER_PORT (10259), KWOK_PORT (10247).
#
# Cluster-internal ranges (service IPs, kwok's pod IPs) are numbers the API server hands out;
# nothing routes them here (no kube-proxy, no real pods), so no traffic leaves loopback.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
pointer=${CONTROL_PLANE_POINTER:-/tmp/distroless-python-control-plane.dir}
etcd_port=${ETCD_PORT:-2379}
api_port=${APISERVER_PORT:-6443}
cm_port=${CONTROLLER_MANAGER_PORT:-10257}
sched_port=${SCHEDULER_PORT:-10259}
kwok_port=${KWOK_PORT:-10247}
ready_timeout=${CONTROL_PLANE_READY_TIMEOUT:-180}
node_name=kwok-node-0

log() { printf '[control-plane] %s\n' "$*" >&2; }
# A failed start stops what it started (keeping DIR and its logs for reading).
die() {
  log "error: $*"
  if [ "${starting:-0}" = 1 ]; then starting=0; kill_all "$dir"; log "logs kept in $dir/logs"; fi
  exit 1
}

# Binaries from the tools cache (builds them when missing; a warm cache answers in a second).
need() { command -v "$1" >/dev/null || die "$1 is needed (apt-get install $1)"; }

tool_paths() {
  (cd "$repo" && npx --no-install ts-node --transpile-only scripts/tools-install.ts etcd kubernetes kwok)
}

# Makes a key and a certificate signed by the run's CA. $1 name, $2 subject, $3 SANs (or "").
cert() {
  local name=$1 subject=$2 sans=$3 ext
  ext=$(mktemp)
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$sans" ]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$sans"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$ext" "$pki/$name.csr"
}

# A kubeconfig with the certificates embedded (self-contained: a Pulumi provider can take it).
kubeconfig() {
  local name=$1 user=$2
  cat >"$dir/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$pki/$user.crt")
    client-key-data: $(base64 -w0 "$pki/$user.key")
contexts:
- name: local
  context: {cluster: local, user: $user}
current-context: local
EOF
  chmod 600 "$dir/$name.kubeconfig"
}

make_pki() {
  pki=$dir/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 2 \
    -subj "/CN=distroless-python-local-ca" 2>/dev/null
  cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  # controller-manager and scheduler serve /healthz with a cert of this CA (otherwise they
  # make a self-signed one and the readiness probe cannot verify it).
  cert serving "/CN=127.0.0.1" "IP:127.0.0.1,DNS:localhost"
  cert admin "/O=system:masters/CN=admin" ""
  cert controller-manager "/CN=system:kube-controller-manager" ""
  cert scheduler "/CN=system:kube-scheduler" ""
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  kubeconfig admin admin
  kubeconfig controller-manager controller-manager
  kubeconfig scheduler scheduler
}

# Starts a process in the background with its log and PID file in DIR.
spawn() {
  local name=$1; shift
  "$@" >"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name.pid"
}

# curl against the API server as admin.
api() {
  curl -sS --fail --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"
}

wait_for() {
  local what=$1 url=$2 start
  start=$(date +%s)
  until api -o /dev/null "$url" 2>/dev/null; do
    if [ $(( $(date +%s) - start )) -ge "$ready_timeout" ]; then
      die "$what not ready after ${ready_timeout}s; logs in $dir/logs"
    fi
    for pidfile in "$dir"/pids/*.pid; do
      kill -0 "$(cat "$pidfile")" 2>/dev/null || die "$(basename "$pidfile" .pid) exited; see $dir/logs/$(basename "$pidfile" .pid).log"
    done
    sleep 0.2
  done
}

start() {
  dir=${1:-}
  if [ -z "$dir" ]; then dir=$(mktemp -d /tmp/distroless-python-k8s.XXXXXX); fi
  mkdir -p "$dir/logs" "$dir/pids" "$dir/etcd"
  chmod 700 "$dir" "$dir/etcd"
  for port in "$etcd_port" "$((etcd_port + 1))" "$api_port" "$cm_port" "$sched_port" "$kwok_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port on 127.0.0.1 is in use (another control plane? set the *_PORT variables)"; fi
  done
  local started bin
  started=$(date +%s)
  need openssl; need curl
  log "tools"
  bin=$(tool_paths | xargs -n1 dirname | sort -u | paste -sd:)
  export PATH="$bin:$PATH"
  log "certificates in $dir/pki"
  make_pki
  echo "$dir" >"$pointer"
  starting=1
  log "starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler on 127.0.0.1"
  spawn etcd etcd --name local --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "local=http://127.0.0.1:$((etcd_port + 1))" --listen-metrics-urls "" \
    --quota-backend-bytes 1073741824 --log-level warn
  # --endpoint-reconciler-type=none: with a loopback advertise address the reconciler would
  # otherwise log every 10 s; nothing here needs the kubernetes Service's endpoints.
  spawn kube-apiserver kube-apiserver \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
    --cert-dir "$dir/pki" --profiling=false
  wait_for kube-apiserver "https://127.0.0.1:$api_port/readyz"
  # --authentication-skip-lookup + --client-ca-file: otherwise it asks for the extension
  # apiserver's configmap on every request and floods its log.
  spawn kube-controller-manager kube-controller-manager \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-skip-lookup=true --client-ca-file "$pki/ca.crt" \
    --bind-address 127.0.0.1 --secure-port "$cm_port" --leader-elect=false \
    --tls-cert-file "$pki/serving.crt" --tls-private-key-file "$pki/serving.key" \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials=true --cluster-signing-cert-file "$pki/ca.crt" \
    --cluster-signing-key-file "$pki/ca.key" --profiling=false
  spawn kube-scheduler kube-scheduler \
    --kubeconfig "$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/scheduler.kubeconfig" \
    --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
    --authentication-skip-lookup=true --client-ca-file "$pki/ca.crt" \
    --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false --profiling=false \
    --tls-cert-file "$pki/serving.crt" --tls-private-key-file "$pki/serving.key"
  # kwok manages only nodes annotated kwok.x-k8s.io/node=fake (the one created below), with
  # the default node and pod stages the tools installer keeps beside its binary.
  local stages
  stages=$(find "$(dirname "$(command -v kwok)")/../stages" -name '*.yaml' | sort | paste -sd,)
  [ -n "$stages" ] || die "no kwok stages beside $(command -v kwok); rebuild kwok with tools:install -- kwok --force"
  spawn kwok kwok --kubeconfig "$dir/admin.kubeconfig" --config "$stages" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --node-port 10250 --server-address "127.0.0.1:$kwok_port"
  api -o /dev/null -X POST -H 'Content-Type: application/json' "https://127.0.0.1:$api_port/api/v1/nodes" -d @- <<EOF
{"apiVersion":"v1","kind":"Node",
 "metadata":{"name":"$node_name","annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},
   "labels":{"kubernetes.io/hostname":"$node_name","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","topology.kubernetes.io/zone":"local-a","type":"kwok"}},
 "status":{"capacity":{"cpu":"16","memory":"64Gi","pods":"110"},"allocatable":{"cpu":"16","memory":"64Gi","pods":"110"}}}
EOF
  wait_for kube-controller-manager "https://127.0.0.1:$cm_port/healthz"
  wait_for kube-scheduler "https://127.0.0.1:$sched_port/healthz"
  # Ready when kwok has reported the node Ready and the default ServiceAccount exists (pods
  # of a fresh namespace wait for it).
  local start_wait
  start_wait=$(date +%s)
  until api "https://127.0.0.1:$api_port/api/v1/nodes/$node_name" 2>/dev/null | tr -d ' \n' | grep -q '"type":"Ready","status":"True"' \
     && api -o /dev/null "https://127.0.0.1:$api_port/api/v1/namespaces/default/serviceaccounts/default" 2>/dev/null; do
    if [ $(( $(date +%s) - start_wait )) -ge "$ready_timeout" ]; then die "node $node_name not Ready after ${ready_timeout}s; see $dir/logs/kwok.log"; fi
    sleep 0.2
  done
  starting=0
  log "ready in $(( $(date +%s) - started ))s: API https://127.0.0.1:$api_port, node $node_name (kwok), data $dir"
  echo "$dir/admin.kubeconfig"
}

# Stops DIR's processes by PID, in reverse start order: clients first, etcd last.
kill_all() {
  local dir=$1 pid name
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [ -f "$dir/pids/$name.pid" ] || continue
    pid=$(cat "$dir/pids/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then log "$name ($pid) ignored SIGTERM; SIGKILL"; kill -9 "$pid"; fi
    fi
    log "stopped $name ($pid)"
  done
}

stop() {
  dir=${1:-}
  if [ -z "$dir" ] && [ -f "$pointer" ]; then dir=$(cat "$pointer"); fi
  if [ -z "$dir" ] || [ ! -d "$dir/pids" ]; then log "no control plane to stop"; return 0; fi
  kill_all "$dir"
  rm -rf "$dir"
  if [ -f "$pointer" ] && [ "$(cat "$pointer")" = "$dir" ]; then rm -f "$pointer"; fi
}

status() {
  dir=${1:-}
  if [ -z "$dir" ] && [ -f "$pointer" ]; then dir=$(cat "$pointer"); fi
  if [ -z "$dir" ] || [ ! -d "$dir/pids" ]; then echo "stopped"; return 1; fi
  local f running=0
  for f in "$dir"/pids/*.pid; do
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$(basename "$f" .pid) running ($(cat "$f"))"; running=$((running + 1))
    else echo "$(basename "$f" .pid) not running"; fi
  done
  echo "kubeconfig $dir/admin.kubeconfig"
  [ "$running" -eq 5 ]
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  status) status "${2:-}" ;;
  *) echo "usage: $0 start|stop|status [DIR]" >&2; exit 2 ;;
esac

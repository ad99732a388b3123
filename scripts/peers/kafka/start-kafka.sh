#!/usr/bin/env bash
# Starts the reference Apache Kafka (installed by scripts/peers/install-kafka.sh) as a
# single-node KRaft broker+controller on free loopback ports, waits until it serves, and prints
# its bootstrap address (127.0.0.1:PORT) on stdout.
#   start-kafka.sh DATA_DIR [extra server.properties lines...]
# DATA_DIR receives server.properties, the logs, kafka.pid, kafka.out and env (shell
# assignments: KAFKA_BOOTSTRAP, KAFKA_PID). Stop with stop-kafka.sh DATA_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="$(dirname "$here")"
die() { printf '[kafka] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $# -ge 1 ]] || die "usage: start-kafka.sh DATA_DIR [property=value ...]"
data="$1"; shift
mkdir -p "$data"
data="$(cd "$data" && pwd)"
[[ -f "$home/classpath.txt" ]] || die "Kafka not installed in $home: run scripts/peers/install-all.sh"
cp="$(cat "$home/classpath.txt")"
if [[ -f "$data/kafka.pid" ]] && kill -0 "$(cat "$data/kafka.pid")" 2>/dev/null; then
  die "a broker already runs from $data (pid $(cat "$data/kafka.pid"))"
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
port="$(free_port)"
cport="$(free_port)"
while [[ $cport == "$port" ]]; do cport="$(free_port)"; done

cat >"$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${cport}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${data}/logs
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
for extra in "$@"; do printf '%s\n' "$extra" >>"$data/server.properties"; done

jvm=(java -Xms128m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$home/config/log4j2.yaml" "-Dkafka.logs.dir=$data/logs" -cp "$cp")
if [[ ! -f "$data/logs/meta.properties" ]]; then
  cluster_id="$("${jvm[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  [[ -n $cluster_id ]] || die "could not make a cluster id"
  "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$data/server.properties" >"$data/format.out" 2>&1 \
    || { cat "$data/format.out" >&2; die "storage format failed"; }
fi

nohup "${jvm[@]}" kafka.Kafka "$data/server.properties" >"$data/kafka.out" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$data/kafka.pid"
printf 'KAFKA_BOOTSTRAP=127.0.0.1:%s\nKAFKA_PID=%s\n' "$port" "$pid" >"$data/env"

# Ready when the server says it started and the port accepts connections.
deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
until grep -q "Kafka Server started" "$data/kafka.out" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -50 "$data/kafka.out" >&2
    die "Kafka exited before it was ready"
  fi
  if ((SECONDS >= deadline)); then
    tail -50 "$data/kafka.out" >&2
    kill "$pid" 2>/dev/null || true
    die "Kafka not ready within ${KAFKA_START_TIMEOUT:-120}s"
  fi
  sleep 0.3
done
echo "127.0.0.1:$port"

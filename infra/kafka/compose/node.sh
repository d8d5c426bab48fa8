#!/bin/bash
# One node of the three-node KRaft cluster of docker-compose.yml (broker and controller at once),
# for the official apache/kafka image: writes its configuration, formats its storage once with
# the SCRAM users of every principal (libs/contracts/src/kafka-access.ts), then starts Kafka.
# Clients authenticate with SASL/SCRAM-SHA-512 on port 19092; the quorum listens on 9093 with
# SASL/PLAIN for the administrator only; the StandardAuthorizer denies what no ACL allows.
set -euo pipefail
: "${KAFKA_NODE_ID:?}" "${KAFKA_CLUSTER_ID:?}" "${KAFKA_ADMIN_PASSWORD:?}"
config=/tmp/server.properties
data=/var/lib/kafka/data
scram() { printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";' "$1" "$2"; }

cat > "$config" <<EOF
process.roles=broker,controller
node.id=${KAFKA_NODE_ID}
controller.quorum.voters=1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093
listeners=CLIENT://:19092,CONTROLLER://:9093
advertised.listeners=CLIENT://kafka-${KAFKA_NODE_ID}:19092
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
log.dirs=${data}
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=$(scram ki-admin "$KAFKA_ADMIN_PASSWORD")
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="ki-admin" password="${KAFKA_ADMIN_PASSWORD}" user_ki-admin="${KAFKA_ADMIN_PASSWORD}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:ki-admin
EOF

# The health check's own login (docker-compose.yml runs kafka-broker-api-versions.sh with it).
cat > /tmp/admin-client.properties <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$(scram ki-admin "$KAFKA_ADMIN_PASSWORD")
EOF

if [ ! -f "$data/meta.properties" ]; then
  users=()
  for pair in "ki-admin:${KAFKA_ADMIN_PASSWORD}" "ki-registry:${REGISTRY_KAFKA_PASSWORD:?}" "ki-funding-ledger:${LEDGER_KAFKA_PASSWORD:?}" \
    "ki-notifications:${NOTIFICATIONS_KAFKA_PASSWORD:?}" "ki-console:${CONSOLE_KAFKA_PASSWORD:?}" "ki-emitter:${EMITTER_KAFKA_PASSWORD:?}"; do
    users+=(--add-scram "SCRAM-SHA-512=[name=${pair%%:*},password=${pair#*:}]")
  done
  /opt/kafka/bin/kafka-storage.sh format -t "$KAFKA_CLUSTER_ID" -c "$config" "${users[@]}"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$config"

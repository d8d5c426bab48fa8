// The cluster: brokers, controller, topics with replicas, in-sync replicas and retention.
const $ = (id) => document.getElementById(id);

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
}

const retention = (ms) => (ms === '-1' ? 'forever' : ms === null ? '?' : `${Math.round(Number(ms) / 86_400_000)} d`);

export async function showCluster(api, say) {
  const cluster = await api('/api/cluster');
  $('cluster-summary').textContent =
    `Cluster ${cluster.clusterId}: brokers ${cluster.brokers.map((b) => `${b.nodeId} (${b.host}:${b.port})`).join(', ')}; controller ${cluster.controller}; ${cluster.underReplicatedPartitions} under-replicated partition(s). ${cluster.size}.`;
  $('cluster-rows').replaceChildren(
    ...cluster.topics.map((t) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(t.name),
        cell(String(t.partitions.length)),
        cell(
          t.partitions
            .map((p) => `${p.partition}: leader ${p.leader}, replicas ${p.replicas.join(',')}, in sync ${p.inSync.join(',')}`)
            .join('\n'),
        ),
        cell(String(t.underReplicatedPartitions), t.underReplicatedPartitions ? 'stalled' : ''),
        cell(retention(t.retentionMs)),
        cell(String(t.messages)),
      );
      return tr;
    }),
  );
  say(`${cluster.topics.length} topics on ${cluster.brokers.length} broker(s)`);
}

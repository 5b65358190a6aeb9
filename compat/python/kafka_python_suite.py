"""kafka-python (the pure-Python client, pinned in requirements.txt) against sluice.

Usage: compat/python/.venv/bin/python kafka_python_suite.py BOOTSTRAP TOPIC EXTRA_TOPIC GROUP

TOPIC and EXTRA_TOPIC must not exist yet. The script lets kafka-python negotiate versions
with ApiVersions (no api_version setting) and, in order:
  1. KafkaAdminClient: create_topics (TOPIC with 3 partitions and retention.ms=3600000,
     EXTRA_TOPIC with 1), create_topics again for TOPIC (must fail: already exists),
     list_topics, describe_topics, describe_cluster, create_partitions (TOPIC to 4, then to 2,
     which must fail), describe_configs (topic and broker), alter_configs, describe_configs;
  2. KafkaProducer at acks=1, another at acks=all with gzip, and an idempotent one
     (enable_idempotence=True, acks=all): RECORDS keyed records each (kafka-python's default
     partitioner), with headers, every send's metadata kept;
  3. KafkaConsumer with GROUP (no auto commit) reads until it has every record, commits
     synchronously, and reads committed() and end_offsets() back; while it is still in the
     group: list_consumer_groups, describe_consumer_groups, list_consumer_group_offsets, and
     delete_consumer_groups (must fail: the group is not empty);
  4. after the consumer closes: describe_consumer_groups (Empty), delete_consumer_groups,
     list_consumer_group_offsets (nothing left), delete_topics(EXTRA_TOPIC), list_topics.

It prints one JSON object on stdout with what each step returned and the protocol request
versions kafka-python sent (per API name, from its connection layer). Keys, values and header
values are hex strings. A failing call exits non-zero with the traceback on stderr; every wait
has a deadline.
"""

import json
import sys
import time

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.conn import BrokerConnection
from kafka.errors import KafkaError

RECORDS = 300
DEADLINE_S = 40

# Every request kafka-python sends goes through BrokerConnection._send (ApiVersions included).
request_versions = {}
_send = BrokerConnection._send


def _recording_send(self, request, *args, **kwargs):
    name = type(request).__name__.rsplit("Request", 1)[0]
    request_versions.setdefault(name, set()).add(request.API_VERSION)
    return _send(self, request, *args, **kwargs)


BrokerConnection._send = _recording_send


def hexed(b):
    return None if b is None else b.hex()


def error_name(code):
    return kafka.errors.for_code(code).__name__


def topic_errors(response):
    """[(topic, error name)] from a Create/Delete topics or CreatePartitions response."""
    rows = getattr(response, "topic_errors", None) or getattr(response, "topic_error_codes")
    return [[row[0], error_name(row[1])] for row in rows]


def outcome(call):
    """A call that should fail: the name of the error kafka-python raised or returned."""
    try:
        result = call()
    except KafkaError as e:
        return type(e).__name__
    return result


def configs_of(responses):
    """{resource name: {config: value}} from describe_configs responses."""
    out = {}
    for response in responses:
        for resource in response.resources:
            error_code, _, _, name, entries = resource[:5]
            if error_code != 0:
                raise RuntimeError("describe_configs %s: %s" % (name, error_name(error_code)))
            out[name] = {entry[0]: entry[1] for entry in entries}
    return out


def group_json(info):
    return {
        "group": info.group,
        "error": error_name(info.error_code),
        "state": info.state,
        "protocolType": info.protocol_type,
        "protocol": info.protocol,
        "members": [{
            "clientId": m.client_id,
            "assignment": sorted(
                [t, p] for t, ps in (m.member_assignment.assignment if m.member_assignment else []) for p in ps
            ),
        } for m in info.members],
    }


def offsets_json(offsets):
    return {"%s/%d" % (tp.topic, tp.partition): om.offset for tp, om in sorted(offsets.items())}


def main():
    if len(sys.argv) != 5:
        print("usage: kafka_python_suite.py BOOTSTRAP TOPIC EXTRA_TOPIC GROUP", file=sys.stderr)
        sys.exit(2)
    bootstrap, topic, extra, group = sys.argv[1:]
    deadline = time.monotonic() + DEADLINE_S
    out = {"version": kafka.__version__}

    # 1. Admin: topics and configs.
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kafka-python-admin",
                             request_timeout_ms=10000)
    out["inferredBrokerVersion"] = list(admin.config["api_version"])
    out["createTopics"] = topic_errors(admin.create_topics([
        NewTopic(topic, 3, 1, topic_configs={"retention.ms": "3600000"}),
        NewTopic(extra, 1, 1),
    ]))
    out["createExisting"] = outcome(lambda: topic_errors(admin.create_topics([NewTopic(topic, 3, 1)])))
    out["listTopics"] = sorted(admin.list_topics())
    described = admin.describe_topics([topic])
    out["describeTopics"] = [{
        "topic": t["topic"],
        "error": error_name(t["error_code"]),
        "partitions": sorted([p["partition"], p["leader"], p["replicas"], p["isr"]] for p in t["partitions"]),
        "authorizedOperations": sorted(t.get("authorized_operations", [])),
    } for t in described]
    cluster = admin.describe_cluster()
    out["describeCluster"] = {
        "clusterId": cluster["cluster_id"],
        "controllerId": cluster["controller_id"],
        "brokers": [[b["node_id"], b["host"], b["port"]] for b in cluster["brokers"]],
    }
    out["createPartitions"] = topic_errors(admin.create_partitions({topic: NewPartitions(4)}))
    out["shrinkPartitions"] = outcome(lambda: topic_errors(admin.create_partitions({topic: NewPartitions(2)})))
    out["partitionsAfter"] = len(admin.describe_topics([topic])[0]["partitions"])
    out["configsBefore"] = configs_of(admin.describe_configs([
        ConfigResource(ConfigResourceType.TOPIC, topic),
        ConfigResource(ConfigResourceType.BROKER, "1"),
    ]))
    altered = admin.alter_configs([
        ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "7200000", "max.message.bytes": "500000"}),
    ])
    out["alterConfigs"] = [[r[3], error_name(r[0])] for r in altered.resources]
    out["configsAfter"] = configs_of(admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)]))

    # 2. Produce at acks=1, acks=all with gzip, and idempotently.
    produced = []
    for acks, compression, idempotent in ((1, None, False), ("all", "gzip", False), ("all", None, True)):
        label = "all-idempotent" if idempotent else str(acks)
        producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="compat-kafka-python-acks-%s" % label,
                                 acks=acks, compression_type=compression, enable_idempotence=idempotent, linger_ms=5)
        futures = []
        for n in range(RECORDS):
            key = ("key-%s-%d" % (label, n)).encode()
            # Every value compresses: kafka-python sends a batch uncompressed when gzip does not
            # make it smaller (a lone small record, when linger_ms closes a batch early).
            value = ("value-%s-%d-" % (label, n)).encode() + b"xyz" * (40 + n % 40) + bytes([n % 256])
            headers = [("n", str(n).encode()), ("acks", label.encode())]
            futures.append((key, value, headers, producer.send(topic, key=key, value=value, headers=headers)))
        producer.flush(timeout=max(1, deadline - time.monotonic()))
        for key, value, headers, future in futures:
            md = future.get(timeout=1)
            produced.append({
                "acks": label,
                "partition": md.partition,
                "offset": md.offset,
                "key": hexed(key),
                "value": hexed(value),
                "headers": [[h, hexed(v)] for h, v in headers],
            })
        producer.close(timeout=5)
    out["produced"] = produced

    # 3. A group consumer reads everything back and commits.
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                             client_id="compat-kafka-python-consumer", auto_offset_reset="earliest",
                             enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=1000)
    consumed = []
    while len(consumed) < len(produced):
        if time.monotonic() > deadline:
            raise RuntimeError("timed out: %d of %d records consumed" % (len(consumed), len(produced)))
        for tp, records in consumer.poll(timeout_ms=200).items():
            for r in records:
                consumed.append({
                    "partition": tp.partition,
                    "offset": r.offset,
                    "key": hexed(r.key),
                    "value": hexed(r.value),
                    "headers": [[h, hexed(v)] for h, v in r.headers],
                })
    # One more poll: anything further would be a duplicate or a stray record.
    for tp, records in consumer.poll(timeout_ms=200).items():
        consumed.extend({"partition": tp.partition, "offset": r.offset, "stray": True} for r in records)
    consumer.commit()
    partitions = sorted(consumer.assignment())
    out["consumed"] = consumed
    out["assignment"] = [[tp.topic, tp.partition] for tp in partitions]
    out["committed"] = {"%s/%d" % (tp.topic, tp.partition): consumer.committed(tp) for tp in partitions}
    out["endOffsets"] = {"%s/%d" % (tp.topic, tp.partition): o for tp, o in sorted(consumer.end_offsets(partitions).items())}

    # While the consumer is in the group.
    out["listGroups"] = sorted([g[0], g[1]] for g in admin.list_consumer_groups())
    out["describeLive"] = [group_json(g) for g in admin.describe_consumer_groups([group])]
    out["groupOffsets"] = offsets_json(admin.list_consumer_group_offsets(group))
    out["deleteLive"] = outcome(lambda: [[g, e.__name__] for g, e in admin.delete_consumer_groups([group])])

    # 4. After it leaves.
    consumer.close()
    out["describeEmpty"] = [group_json(g) for g in admin.describe_consumer_groups([group])]
    out["deleteGroups"] = [[g, e.__name__] for g, e in admin.delete_consumer_groups([group])]
    out["groupOffsetsAfterDelete"] = offsets_json(admin.list_consumer_group_offsets(group))
    out["listGroupsAfterDelete"] = sorted([g[0], g[1]] for g in admin.list_consumer_groups())
    out["deleteTopics"] = topic_errors(admin.delete_topics([extra]))
    out["listTopicsAfterDelete"] = sorted(admin.list_topics())
    admin.close()

    out["requestVersions"] = {api: sorted(v) for api, v in sorted(request_versions.items())}
    print(json.dumps(out))


if __name__ == "__main__":
    main()

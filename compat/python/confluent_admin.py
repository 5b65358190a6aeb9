"""confluent-kafka-python's AdminClient (librdkafka 2.0.2's admin API) against sluice.

Usage: /usr/bin/python3 confluent_admin.py BOOTSTRAP TOPIC EXTRA_TOPIC GROUP

TOPIC and EXTRA_TOPIC must not exist; GROUP must be a group the broker knows (the round trip's).
In order: create_topics with validate_only (nothing created), create_topics (TOPIC: 3 partitions
and retention.ms=3600000; EXTRA_TOPIC: 1), create_topics again (already exists), list_topics,
create_partitions (TOPIC to 5, then to 2: refused), describe_configs (TOPIC, broker 1),
alter_configs (TOPIC), describe_configs again, list_groups, delete_topics (EXTRA_TOPIC),
list_topics. It prints one JSON object on stdout: what each call returned (error names for
the refused ones) and the request versions librdkafka sent (its `debug=protocol` log).
"""

import json
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

from librdkafka_log import client_logger, sent_versions

TIMEOUT_S = 15


def outcome(futures):
    """{name: "ok" | error name} once every future of an admin call has completed."""
    out = {}
    for name, future in futures.items():
        try:
            future.result(timeout=TIMEOUT_S)
            out[getattr(name, "name", name)] = "ok"
        except KafkaException as e:
            out[getattr(name, "name", name)] = e.args[0].name()
    return out


def configs(admin, resources):
    out = {}
    for resource, future in admin.describe_configs(resources, request_timeout=TIMEOUT_S).items():
        out[resource.name] = {name: entry.value for name, entry in future.result(timeout=TIMEOUT_S).items()}
    return out


def main():
    if len(sys.argv) != 5:
        print("usage: confluent_admin.py BOOTSTRAP TOPIC EXTRA_TOPIC GROUP", file=sys.stderr)
        sys.exit(2)
    bootstrap, topic, extra, group = sys.argv[1:]
    logger = client_logger("admin")
    admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "compat-confluent-admin",
                         "debug": "protocol", "logger": logger})
    out = {}

    def topics():
        return sorted(admin.list_topics(timeout=TIMEOUT_S).topics)

    new = [NewTopic(topic, num_partitions=3, replication_factor=1, config={"retention.ms": "3600000"}),
           NewTopic(extra, num_partitions=1, replication_factor=1)]
    out["validateOnly"] = outcome(admin.create_topics(new, validate_only=True, request_timeout=TIMEOUT_S))
    out["topicsAfterValidate"] = topics()
    out["createTopics"] = outcome(admin.create_topics(new, request_timeout=TIMEOUT_S))
    out["createExisting"] = outcome(admin.create_topics([NewTopic(topic, 3, 1)], request_timeout=TIMEOUT_S))
    metadata = admin.list_topics(timeout=TIMEOUT_S)
    out["listTopics"] = sorted(metadata.topics)
    out["partitions"] = len(metadata.topics[topic].partitions)
    out["brokers"] = [[b.id, b.host, b.port] for b in metadata.brokers.values()]
    out["controllerId"] = metadata.controller_id
    out["createPartitions"] = outcome(admin.create_partitions([NewPartitions(topic, 5)], request_timeout=TIMEOUT_S))
    out["shrinkPartitions"] = outcome(admin.create_partitions([NewPartitions(topic, 2)], request_timeout=TIMEOUT_S))
    out["partitionsAfter"] = len(admin.list_topics(topic, timeout=TIMEOUT_S).topics[topic].partitions)
    out["configsBefore"] = configs(admin, [ConfigResource(ConfigResource.Type.TOPIC, topic),
                                           ConfigResource(ConfigResource.Type.BROKER, "1")])
    out["alterConfigs"] = outcome(admin.alter_configs([ConfigResource(
        ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "7200000", "cleanup.policy": "delete"})],
        request_timeout=TIMEOUT_S))
    out["configsAfter"] = configs(admin, [ConfigResource(ConfigResource.Type.TOPIC, topic)])
    out["listGroups"] = sorted([g.id, g.state, g.protocol_type, len(g.members)]
                               for g in admin.list_groups(timeout=TIMEOUT_S) if g.id == group)
    out["deleteTopics"] = outcome(admin.delete_topics([extra], request_timeout=TIMEOUT_S))
    out["topicsAfterDelete"] = topics()
    admin.poll(0)  # serves the queued log lines
    out["requestVersions"] = sent_versions()
    print(json.dumps(out))


if __name__ == "__main__":
    main()

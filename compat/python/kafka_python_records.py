"""kafka-python's record-level admin calls against sluice: delete_records and describe_log_dirs.

Usage: compat/python/.venv/bin/python kafka_python_records.py BOOTSTRAP TOPIC

kafka-python 2.3.3 sends DeleteRecords v0 and DescribeLogDirs v0, and only when the broker
advertises those APIs (otherwise it raises IncompatibleBrokerVersion without sending anything).
TOPIC must not exist. The script creates it with 2 partitions, produces 10 records to partition 0
and 5 to partition 1 (acks=all), then:
  - delete_records: partition 0 up to offset 4, partition 1 up to its high watermark (-1);
  - beginning_offsets / end_offsets of both partitions (ListOffsets);
  - a consumer without a group (assign + seek_to_beginning) reads what is left;
  - describe_log_dirs: every log dir with its topics' partitions and sizes.
It prints one JSON object on stdout. Every wait has a deadline.
"""

import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

DEADLINE_S = 30


def main():
    if len(sys.argv) != 3:
        print("usage: kafka_python_records.py BOOTSTRAP TOPIC", file=sys.stderr)
        sys.exit(2)
    bootstrap, topic = sys.argv[1:]
    deadline = time.monotonic() + DEADLINE_S
    tp0, tp1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    out = {}

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kafka-python-records",
                             request_timeout_ms=10000)
    admin.create_topics([NewTopic(topic, 2, 1)])
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for n in range(10):
        producer.send(topic, value=b"p0-%d" % n, partition=0)
    for n in range(5):
        producer.send(topic, value=b"p1-%d" % n, partition=1)
    producer.flush(timeout=10)
    producer.close(timeout=5)

    deleted = admin.delete_records({tp0: 4, tp1: -1})
    out["deleteRecords"] = {str(tp.partition): r["low_watermark"] for tp, r in sorted(deleted.items())}

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             client_id="compat-kafka-python-records-reader")
    out["beginningOffsets"] = {str(tp.partition): o for tp, o in sorted(consumer.beginning_offsets([tp0, tp1]).items())}
    out["endOffsets"] = {str(tp.partition): o for tp, o in sorted(consumer.end_offsets([tp0, tp1]).items())}
    consumer.assign([tp0, tp1])
    consumer.seek_to_beginning()
    left = []
    while len(left) < 6:
        if time.monotonic() > deadline:
            raise RuntimeError("timed out reading what delete_records left: %s" % left)
        for tp, records in consumer.poll(timeout_ms=200).items():
            left.extend([tp.partition, r.offset, r.value.decode()] for r in records)
    # One more poll: anything further would be a record delete_records should have removed.
    for tp, records in consumer.poll(timeout_ms=200).items():
        left.extend([tp.partition, r.offset, r.value.decode()] for r in records)
    consumer.close()
    out["left"] = sorted(left)

    dirs = admin.describe_log_dirs()
    out["describeLogDirs"] = [{
        "error": error_code,
        "logDir": log_dir,
        "topics": {name: sorted([p[0], p[1]] for p in partitions) for name, partitions in topics},
    } for error_code, log_dir, topics in dirs.log_dirs]
    admin.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()

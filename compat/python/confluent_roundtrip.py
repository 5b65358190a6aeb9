"""confluent-kafka-python (Debian's python3-confluent-kafka, librdkafka underneath) against sluice.

Usage: /usr/bin/python3 confluent_roundtrip.py BOOTSTRAP GROUP CODEC=TOPIC [CODEC=TOPIC ...]

Each TOPIC must exist already (the test creates them) with PARTITIONS partitions. The script:
  1. starts a consumer group of two members subscribed to every topic and polls both until
     they share all partitions (nothing is produced yet, so nothing is consumed twice);
  2. produces RECORDS deterministic records per topic with an idempotent producer
     (enable.idempotence=True, acks=all) using that topic's compression codec, to explicit
     partitions, with keys (some null), values and headers (repeated names, an empty value;
     not a null value: confluent-kafka 1.7.0 drops a reference to None for each null header
     value it hands out, and the interpreter aborts at exit with "none_dealloc");
  3. polls both members until every produced record has arrived, then commits synchronously
     from each member and reads the group's committed offsets and the watermarks back;
  4. prints one JSON object on stdout: what was produced (with delivered offsets), what was
     consumed (by which member), committed offsets, watermarks, and the protocol request
     versions librdkafka sent (from its `debug=protocol` log).

Keys, values and header values are hex strings (null stays null). Any client error makes the
script exit non-zero with the reason on stderr. Every wait has a deadline.
"""

import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from librdkafka_log import client_logger, sent_versions

PARTITIONS = 4
RECORDS = 400
DEADLINE_S = 40

def fail(why):
    print(why, file=sys.stderr)
    sys.exit(1)


def hexed(b):
    return None if b is None else b.hex()


def record(topic_index, n):
    """The n-th record of a topic: deterministic, varied (null keys, repeated header names, empty values)."""
    key = None if n % 7 == 3 else ("key-%d-%d" % (topic_index, n)).encode()
    # Compressible text of varying length (at least 90 bytes, so even a batch of one record
    # shrinks and a client never falls back to sending it uncompressed), plus two raw bytes.
    value = ("value-%d-%d-" % (topic_index, n)).encode() + b"abc" * (30 + n % 50) + bytes([n % 256, (n * 7) % 256])
    headers = [("trace", ("t%d" % n).encode())]
    if n % 5 == 0:
        headers.append(("trace", b"again"))
    if n % 11 == 0:
        headers.append(("empty", b""))
    return {"partition": n % PARTITIONS, "key": key, "value": value, "headers": headers}


def header_json(headers):
    return [[name, hexed(value)] for name, value in (headers or [])]


def main():
    if len(sys.argv) < 4:
        fail("usage: confluent_roundtrip.py BOOTSTRAP GROUP CODEC=TOPIC [CODEC=TOPIC ...]")
    bootstrap, group = sys.argv[1], sys.argv[2]
    codecs = [arg.split("=", 1) for arg in sys.argv[3:]]
    topics = [topic for _, topic in codecs]
    all_partitions = {(t, p) for t in topics for p in range(PARTITIONS)}
    deadline = time.monotonic() + DEADLINE_S

    def check_deadline(what):
        if time.monotonic() > deadline:
            fail("timed out waiting for " + what)

    # 1. Two group members; both must hold partitions before anything is produced.
    errors = []

    def on_error(err):
        # Transient errors (a refused connection while the member starts) are reported here;
        # keep them for the output, fatal ones end the run.
        errors.append(str(err))
        if err.fatal():
            fail("fatal client error: %s" % err)

    consumers = []
    for member in range(2):
        consumers.append(Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "client.id": "compat-confluent-member-%d" % member,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
            "topic.metadata.refresh.interval.ms": 1000,
            # Requests on one connection are answered in order, so each watermark query at
            # the end waits for the fetch ahead of it: keep the fetch long-poll short.
            "fetch.wait.max.ms": 100,
            "error_cb": on_error,
            "debug": "protocol",
            "logger": client_logger("consumer-%d" % member),
        }))
    for c in consumers:
        c.subscribe(topics)

    consumed = []

    def poll_all(timeout):
        for member, c in enumerate(consumers):
            msg = c.poll(timeout)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                fail("consumer %d: %s" % (member, msg.error()))
            consumed.append({
                "member": member,
                "topic": msg.topic(),
                "partition": msg.partition(),
                "offset": msg.offset(),
                "key": hexed(msg.key()),
                "value": hexed(msg.value()),
                "headers": header_json(msg.headers()),
            })

    while True:
        poll_all(0.1)
        held = [{(tp.topic, tp.partition) for tp in c.assignment()} for c in consumers]
        if all(held) and held[0] | held[1] == all_partitions and not (held[0] & held[1]):
            break
        check_deadline("both members to share the partitions (held: %s)" % [sorted(h) for h in held])
    assignment = [sorted([t, p] for t, p in h) for h in held]
    if consumed:
        fail("consumed before anything was produced: %s" % consumed[:3])

    # 2. One idempotent producer per codec.
    produced = []
    for topic_index, (codec, topic) in enumerate(codecs):
        delivered = []

        def on_delivery(err, msg, delivered=delivered):
            if err is not None:
                fail("delivery to %s failed: %s" % (msg.topic(), err))
            delivered.append((msg.partition(), msg.offset(), msg.key(), msg.value()))

        producer = Producer({
            "bootstrap.servers": bootstrap,
            "client.id": "compat-confluent-producer-%s" % codec,
            "enable.idempotence": True,
            "acks": "all",
            "compression.type": codec,
            "linger.ms": 5,
            "error_cb": on_error,
            "debug": "protocol",
            "logger": client_logger("producer-%s" % codec),
        })
        # Learn the topic's partitions first (otherwise librdkafka may hold the records until
        # its next metadata refresh, up to a second later).
        if topic not in producer.list_topics(topic, timeout=10).topics:
            fail("producer metadata has no %s" % topic)
        sent = []
        for n in range(RECORDS):
            r = record(topic_index, n)
            sent.append(r)
            producer.produce(topic, value=r["value"], key=r["key"], partition=r["partition"],
                             headers=r["headers"], on_delivery=on_delivery)
            producer.poll(0)
        left = producer.flush(max(1.0, deadline - time.monotonic()))
        if left:
            fail("%d records to %s not delivered before the deadline" % (left, topic))
        if len(delivered) != RECORDS:
            fail("%d delivery reports for %s, %d sent" % (len(delivered), topic, RECORDS))
        offsets = {(p, k, v): o for p, o, k, v in delivered}
        for r in sent:
            produced.append({
                "topic": topic,
                "codec": codec,
                "partition": r["partition"],
                "offset": offsets[(r["partition"], r["key"], r["value"])],
                "key": hexed(r["key"]),
                "value": hexed(r["value"]),
                "headers": header_json(r["headers"]),
            })

    # 3. Consume everything, then commit from each member.
    while len(consumed) < len(produced):
        poll_all(0.1)
        check_deadline("%d records, %d consumed" % (len(produced), len(consumed)))
    # Anything further would be a duplicate or a stray record: give it one more round.
    poll_all(0.2)

    for member, c in enumerate(consumers):
        try:
            c.commit(asynchronous=False)
        except KafkaException as e:
            fail("member %d commit failed: %s" % (member, e))

    wanted = [TopicPartition(t, p) for t, p in sorted(all_partitions)]
    committed = {}
    for tp in consumers[0].committed(wanted, timeout=10):
        if tp.error:
            fail("committed(%s/%d): %s" % (tp.topic, tp.partition, tp.error))
        committed["%s/%d" % (tp.topic, tp.partition)] = tp.offset
    watermarks = {}
    for t, p in sorted(all_partitions):
        low, high = consumers[0].get_watermark_offsets(TopicPartition(t, p), timeout=10)
        watermarks["%s/%d" % (t, p)] = [low, high]

    for c in consumers:
        c.close()

    print(json.dumps({
        "version": confluent_kafka.version()[0],
        "librdkafka": confluent_kafka.libversion()[0],
        "assignment": assignment,
        "produced": produced,
        "consumed": consumed,
        "committed": committed,
        "watermarks": watermarks,
        "requestVersions": sent_versions(),
        "clientErrors": errors,
    }))


if __name__ == "__main__":
    main()

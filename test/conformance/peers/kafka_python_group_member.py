"""kafka-python peer for the conformance suite: one member of a consumer group.

usage: kafka_python_group_member.py BOOTSTRAP TOPIC GROUP SESSION_TIMEOUT_MS LIFETIME_S

Subscribes to TOPIC in GROUP with the roundrobin assignor (the one protocol that kafka-python,
librdkafka and @platformatic/kafka all offer), reads from the earliest offset when the group has
no committed offset, and commits synchronously after every poll that returned records. It prints
one JSON object per line on stdout, flushed at once, for the scenario to follow while it runs:

  {"event": "assigned", "partitions": [...]}    after each rebalance
  {"event": "revoked", "partitions": [...]}     before each rebalance
  {"event": "record", "partition": P, "offset": O, "value": V}
  {"event": "committed", "offsets": {"P": O}}    after a successful commit
  {"event": "commit-failed", "error": "..."}     a commit refused during a rebalance (re-read later)
  {"event": "closed"}

It stops on SIGTERM or SIGINT (closing the consumer, which leaves the group), when its parent goes
away, or after LIFETIME_S seconds, whichever comes first.
"""
import json
import os
import signal
import sys
import time

from kafka import KafkaConsumer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.errors import KafkaError

stopping = False


def say(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def stop(_signum, _frame):
    global stopping
    stopping = True


class Listener(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        say({'event': 'revoked', 'partitions': sorted(tp.partition for tp in revoked)})

    def on_partitions_assigned(self, assigned):
        say({'event': 'assigned', 'partitions': sorted(tp.partition for tp in assigned)})


def main():
    bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
    session_timeout_ms, lifetime_s = int(sys.argv[4]), float(sys.argv[5])
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent = os.getppid()
    deadline = time.time() + lifetime_s
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id='conformance-kafka-python',
        partition_assignment_strategy=[RoundRobinPartitionAssignor],
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=1000,
        auto_offset_reset='earliest',
        enable_auto_commit=False,
        request_timeout_ms=max(30000, session_timeout_ms + 5000),
        value_deserializer=lambda v: v.decode() if v is not None else None,
    )
    consumer.subscribe([topic], listener=Listener())
    try:
        while not stopping and time.time() < deadline and os.getppid() == parent:
            batches = consumer.poll(timeout_ms=200)
            if not batches:
                continue
            offsets = {}
            for tp, records in batches.items():
                for m in records:
                    say({'event': 'record', 'partition': m.partition, 'offset': m.offset, 'value': m.value})
                    offsets[str(tp.partition)] = m.offset + 1
            try:
                consumer.commit()
                say({'event': 'committed', 'offsets': offsets})
            except KafkaError as e:
                # At least once: whoever owns the partition next reads these records again.
                say({'event': 'commit-failed', 'error': type(e).__name__})
    finally:
        consumer.close(autocommit=False)
        say({'event': 'closed'})


if __name__ == '__main__':
    main()

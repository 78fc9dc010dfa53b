"""kafka-python peer for the conformance suite: produce to explicit partitions, consume by partition.

usage: kafka_python_peer.py BOOTSTRAP TOPIC PARTITIONS PER_PARTITION

Produces PER_PARTITION keyed records with headers to each partition (acks=all, waiting for every
acknowledgement), then reads each partition on its own (assign + seek to beginning, no group) and
prints one JSON object on stdout: what the producer was told and what the consumer read. The
TypeScript scenario checks it; this script exits non-zero only if kafka-python itself fails.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    bootstrap, topic, partitions, per_partition = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', retries=3, request_timeout_ms=15000)
    acked = []
    for p in range(partitions):
        futures = []
        for i in range(per_partition):
            futures.append(producer.send(
                topic,
                key=('k-%d-%d' % (p, i)).encode(),
                value=('v-%d-%d' % (p, i)).encode(),
                partition=p,
                headers=[('seq', str(i).encode()), ('src', b'kafka-python')],
            ))
        for f in futures:
            md = f.get(timeout=15)
            acked.append([md.partition, md.offset])
    producer.close(timeout=10)

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             request_timeout_ms=15000)
    read = {}
    for p in range(partitions):
        tp = TopicPartition(topic, p)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        records = []
        deadline = time.time() + 15
        while len(records) < per_partition and time.time() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                for m in batch:
                    records.append({
                        'offset': m.offset,
                        'key': m.key.decode() if m.key is not None else None,
                        'value': m.value.decode() if m.value is not None else None,
                        'headers': [[k, v.decode()] for k, v in (m.headers or [])],
                    })
        read[str(p)] = records
    end_offsets = consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
    consumer.close()
    print(json.dumps({
        'version': __import__('kafka').__version__,
        'api_version': list(consumer.config['api_version'] or []),
        'acked': acked,
        'read': read,
        'end_offsets': {str(tp.partition): off for tp, off in end_offsets.items()},
    }))


if __name__ == '__main__':
    main()

"""kafka-python peer for the conformance suite's SASL/SCRAM scenarios.

usage: kafka_python_sasl_peer.py BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD CAFILE TOPIC COUNT

PROTOCOL is SASL_PLAINTEXT or SASL_SSL (CAFILE is then the CA to trust; the broker's host name is
checked). Produces COUNT keyed records to partition 0 of TOPIC (acks=all), reads them back by
assignment (no group), and prints one JSON object on stdout: what the producer was told and what
the consumer read, or, when the client could not log in, {"error": <exception class>}. COUNT 0
only connects (bootstrap and version check). Exits 0 in both cases: the TypeScript scenario judges.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    bootstrap, protocol, mechanism, user, password, cafile, topic, count = sys.argv[1:9]
    count = int(count)
    common = dict(
        bootstrap_servers=bootstrap,
        security_protocol=protocol,
        sasl_mechanism=mechanism,
        sasl_plain_username=user,
        sasl_plain_password=password,
        request_timeout_ms=15000,
        api_version_auto_timeout_ms=8000,
    )
    if protocol == 'SASL_SSL':
        common['ssl_cafile'] = cafile
    try:
        producer = KafkaProducer(acks='all', retries=3, **common)
    except Exception as e:  # the failed login surfaces here, while the producer bootstraps
        print(json.dumps({'error': type(e).__name__}))
        return
    acked = []
    futures = [
        producer.send(topic, key=('k-%d' % i).encode(), value=('v-%d' % i).encode(), partition=0)
        for i in range(count)
    ]
    for f in futures:
        md = f.get(timeout=15)
        acked.append(md.offset)
    producer.close(timeout=10)

    read = []
    if count > 0:
        consumer = KafkaConsumer(enable_auto_commit=False, group_id=None, **common)
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        deadline = time.time() + 20
        while len(read) < count and time.time() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                for m in batch:
                    read.append([m.offset, m.key.decode(), m.value.decode()])
        consumer.close()
    print(json.dumps({'acked': acked, 'read': read}))


if __name__ == '__main__':
    main()

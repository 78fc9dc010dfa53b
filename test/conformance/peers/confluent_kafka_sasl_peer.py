"""confluent-kafka (librdkafka) peer for the conformance suite's SCRAM-over-TLS scenario.

usage:
  confluent_kafka_sasl_peer.py produce-consume BOOTSTRAP MECHANISM USER CAFILE TOPIC COUNT GROUP
  confluent_kafka_sasl_peer.py login BOOTSTRAP MECHANISM USER CAFILE

Both log in on a SASL_SSL listener (CAFILE is the CA to trust; librdkafka checks the broker's host
name) with the password in the environment variable SCRAM_PASSWORD, so that it is on no command
line; the password is never printed (any text that would contain it is masked).

produce-consume: an idempotent producer (acks=all) sends COUNT keyed records (k-<i>, v-<i>) to
TOPIC, spread over its partitions by librdkafka's default partitioner, and waits for every delivery
report; then a consumer in group GROUP (auto.offset.reset=earliest, no auto-commit) subscribes,
reads until it has COUNT records or 30 s passed, commits synchronously and reads the committed
offsets back. Prints one JSON object:
  {"delivered": [[i, partition, offset], ...] in delivery order,
   "deliveryErrors": [[i, error name], ...], "undelivered": records still queued after flush,
   "read": [[partition, offset, key, value], ...] in the order polled,
   "committed": {partition: offset}, "errors": [error names the error callback got]}

login: an AdminClient asks for the cluster's metadata, as a client's first call after logging in,
and prints {"listed": true, "errors": [...]} when it got it, or
  {"listed": false, "errors": [[name, message], ...], "call": <the KafkaError name list_topics raised>}
when the login was refused: the distinct errors in order of first appearance (librdkafka retries the
login after a backoff and reports every refusal), without the "(after N ms in state ...)" timing.

Exits 0 in every case but a usage error: the TypeScript scenario judges.
"""
import json
import os
import re
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

PASSWORD = os.environ.get('SCRAM_PASSWORD', '')


def masked(text):
    """`text` with the password replaced, so that no output of this peer can reveal it."""
    text = str(text)
    return text.replace(PASSWORD, '***') if PASSWORD else text


def conf(bootstrap, mechanism, user, cafile, errors, **extra):
    settings = {
        'bootstrap.servers': bootstrap,
        'security.protocol': 'SASL_SSL',
        'sasl.mechanisms': mechanism,
        'sasl.username': user,
        'sasl.password': PASSWORD,
        'ssl.ca.location': cafile,
        'socket.timeout.ms': 10000,
        'reconnect.backoff.max.ms': 1000,
        'error_cb': lambda err: errors.append(err),
    }
    settings.update(extra)
    return settings


def error_names(errors):
    return [e.name() for e in errors]


def produce_consume(bootstrap, mechanism, user, cafile, topic, count, group):
    errors = []
    delivered = []
    delivery_errors = []

    def on_delivery(err, msg):
        i = int(msg.key().decode()[2:])
        if err is not None:
            delivery_errors.append([i, err.name()])
        else:
            delivered.append([i, msg.partition(), msg.offset()])

    producer = Producer(conf(bootstrap, mechanism, user, cafile, errors,
                             **{'acks': 'all', 'enable.idempotence': True, 'linger.ms': 5,
                                'message.timeout.ms': 30000}))
    for i in range(count):
        producer.produce(topic, key=('k-%d' % i).encode(), value=('v-%d' % i).encode(), on_delivery=on_delivery)
        producer.poll(0)
    undelivered = producer.flush(35)

    read = []
    committed = {}
    if not delivery_errors and undelivered == 0:
        consumer = Consumer(conf(bootstrap, mechanism, user, cafile, errors,
                                 **{'group.id': group, 'auto.offset.reset': 'earliest',
                                    'enable.auto.commit': False}))
        consumer.subscribe([topic])
        deadline = time.time() + 30
        while len(read) < count and time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error() is not None:
                errors.append(msg.error())
                continue
            read.append([msg.partition(), msg.offset(), msg.key().decode(), msg.value().decode()])
        if read:
            consumer.commit(asynchronous=False)
            partitions = [TopicPartition(topic, p) for p in sorted({r[0] for r in read})]
            for tp in consumer.committed(partitions, timeout=10):
                committed[str(tp.partition)] = tp.offset
        consumer.close()

    print(json.dumps({
        'delivered': delivered,
        'deliveryErrors': delivery_errors,
        'undelivered': undelivered,
        'read': read,
        'committed': committed,
        'errors': error_names(errors),
    }))


def login(bootstrap, mechanism, user, cafile):
    errors = []
    admin = AdminClient(conf(bootstrap, mechanism, user, cafile, errors))
    call = None
    try:
        admin.list_topics(timeout=6)
    except KafkaException as e:
        err = e.args[0]
        call = err.name() if isinstance(err, KafkaError) else type(e).__name__
    # The error callback runs from poll(): serve what librdkafka queued while list_topics waited.
    deadline = time.time() + 3
    while not errors and time.time() < deadline:
        admin.poll(0.2)
    if call is None:
        print(json.dumps({'listed': True, 'errors': error_names(errors)}))
        return
    # librdkafka logs in again after a backoff and reports each refusal: keep the distinct ones.
    timing = re.compile(r'\s*\(after \d+ms in state \w+(, \d+ identical error\(s\) suppressed)?\)')
    distinct = []
    for e in errors:
        entry = [e.name(), masked(timing.sub('', e.str()))]
        if entry not in distinct:
            distinct.append(entry)
    print(json.dumps({'listed': False, 'errors': distinct, 'call': call}))


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ''
    if mode == 'produce-consume' and len(sys.argv) == 9:
        bootstrap, mechanism, user, cafile, topic, count, group = sys.argv[2:9]
        produce_consume(bootstrap, mechanism, user, cafile, topic, int(count), group)
    elif mode == 'login' and len(sys.argv) == 6:
        login(*sys.argv[2:6])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()

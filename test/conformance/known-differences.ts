// What the embedded broker does not do like Apache Kafka 4.1.1, on purpose or not yet. Shown in
// docs/compatibility.md under "Known differences"; keep it in step with the handlers' comments.
export const knownDifferences: readonly string[] = [
  '**Transactions**: InitProducerId with a transactional id is answered with TRANSACTIONAL_ID_AUTHORIZATION_FAILED ' +
    '(error 53), so a transactional producer (`transactional.id` set, exactly-once in Kafka Streams or Connect) stops at ' +
    'once with `TransactionalIdAuthorizationException` instead of running without the guarantees it asked for; the broker ' +
    'logs why. Idempotent producers (the Java producer\'s default) work, with duplicate detection across restarts. ' +
    'Consumers with `isolation.level=read_committed` read everything, as there are no open transactions.',
  '**Consumer group protocol**: the classic protocol only (JoinGroup, SyncGroup, Heartbeat); KIP-848\'s ' +
    'ConsumerGroupHeartbeat is not offered in ApiVersions, so Java consumers configured with `group.protocol=consumer` fail ' +
    'to start; the default (`classic`) works.',
  '**Group membership across a restart**: committed offsets survive a restart (and kill -9), but the member list does ' +
    'not; after a restart each member is answered UNKNOWN_MEMBER_ID once and joins again, where Kafka would reload the ' +
    'members from `__consumer_offsets`. Clients handle this as an ordinary rebalance.',
  '**Replication**: one broker; a replication factor above 1 is refused with INVALID_REPLICATION_FACTOR, as on a one-node Kafka.',
  '**A plaintext client on a TLS listener**: Kafka (the JDK\'s TLS) answers the client\'s first bytes with a TLS alert, ' +
    'which a plaintext Java client reads as a frame length and dies of OutOfMemoryError ("The AdminClient thread has ' +
    'exited"); the embedded broker (OpenSSL) closes the connection without a reply, so the client retries until it times ' +
    'out ("Timed out waiting for a node assignment"). Either way the client gets a TimeoutException and no data.',
];

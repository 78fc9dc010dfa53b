/**
 * The counters the request paths feed: bytes and messages per topic, request sizes and
 * produce times. Each hook is a few number additions (and one map lookup for per-topic
 * ones), never per-record work, because Produce and Fetch are benchmarked. The counters only
 * grow, like Kafka's meters' counts; rates are computed from them elsewhere (rate-window.ts).
 */

/** Per-topic counts since the broker started (or since the topic was created). */
export interface TopicTraffic {
  /** Record batch bytes appended to the log, as the producer sent them (sizes of whole batches). */
  bytesIn: number;
  /** Record batch bytes returned by Fetch responses (whole batches as stored). */
  bytesOut: number;
  /** Records appended (the batches' record counts). */
  messagesIn: number;
}

/** Broker-wide counts since start. */
export interface BrokerTraffic extends TopicTraffic {
  /** Kafka requests received (every API). */
  requests: number;
  /** Their sizes: header and body, without the 4-byte size prefix (Kafka's RequestBytes). */
  requestBytes: number;
  /** Produce requests answered (or, with acks=0, completed). */
  produceRequests: number;
  /** Milliseconds from the handler receiving each of them until its answer was ready. */
  produceTimeMs: number;
}

/** A copy of every counter at one moment, for rate windows and snapshots. */
export interface TrafficReading {
  readonly broker: Readonly<BrokerTraffic>;
  readonly topics: ReadonlyMap<string, Readonly<TopicTraffic>>;
}

export class TrafficCounters {
  private readonly broker: BrokerTraffic = { bytesIn: 0, bytesOut: 0, messagesIn: 0, requests: 0, requestBytes: 0, produceRequests: 0, produceTimeMs: 0 };
  private readonly topics = new Map<string, TopicTraffic>();

  /** A batch of `messages` records and `bytes` bytes was appended to a partition of `topic`. */
  appended(topic: string, bytes: number, messages: number): void {
    const t = this.topic(topic);
    t.bytesIn += bytes;
    t.messagesIn += messages;
    this.broker.bytesIn += bytes;
    this.broker.messagesIn += messages;
  }

  /** A Fetch response carries `bytes` bytes of record batches of `topic`. */
  fetched(topic: string, bytes: number): void {
    this.topic(topic).bytesOut += bytes;
    this.broker.bytesOut += bytes;
  }

  /** A request frame of `bytes` bytes (without its size prefix) arrived. */
  requestReceived(bytes: number): void {
    this.broker.requests += 1;
    this.broker.requestBytes += bytes;
  }

  /** A Produce request took `ms` milliseconds. */
  produceCompleted(ms: number): void {
    this.broker.produceRequests += 1;
    this.broker.produceTimeMs += ms;
  }

  /** Drops the counters of topics that no longer exist, so a re-created topic starts from zero. */
  retainTopics(exists: (topic: string) => boolean): void {
    for (const name of this.topics.keys()) if (!exists(name)) this.topics.delete(name);
  }

  read(): TrafficReading {
    const topics = new Map<string, TopicTraffic>();
    for (const [name, t] of this.topics) topics.set(name, { ...t });
    return { broker: { ...this.broker }, topics };
  }

  private topic(name: string): TopicTraffic {
    let t = this.topics.get(name);
    if (t === undefined) {
      t = { bytesIn: 0, bytesOut: 0, messagesIn: 0 };
      this.topics.set(name, t);
    }
    return t;
  }
}

/**
 * Puts the broker's metrics together: samples the traffic counters and CPU times on a timer
 * (one per broker, unref'd) for the rate window, and builds snapshots on demand from the
 * counters, the window, the topic list, the partition logs, committed offsets and the machine.
 */
import type { PartitionManager } from '../context.ts';
import type { TopicInfo } from '../metadata/topic-store.ts';
import { clusterMetrics } from './cluster.ts';
import { consumerLag, type CommittedOffsets } from './consumer-lag.ts';
import { DEFAULT_SAMPLE_INTERVAL_MS, DEFAULT_WINDOW_MS, SlidingWindow, ratePerSecond, windowMean } from './rate-window.ts';
import type { BrokerMetricsSnapshot, TopicMetrics } from './snapshot.ts';
import { cpuPercent, hostProbe, type CpuTimes, type SystemProbe } from './system.ts';
import type { TrafficCounters, TrafficReading } from './traffic.ts';

/** What the broker gives the metrics to read from. */
export interface MetricsSources {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly dataDir: string;
  readonly traffic: TrafficCounters;
  readonly topics: { list(): TopicInfo[]; get(name: string): TopicInfo | undefined };
  readonly partitions: Pick<PartitionManager, 'get'>;
  readonly offsets: CommittedOffsets;
  readonly connectionCount: () => number;
}

export interface MetricsOptions {
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
  readonly probe?: SystemProbe;
  readonly windowMs?: number;
  readonly sampleIntervalMs?: number;
}

interface WindowSample {
  readonly traffic: TrafficReading;
  readonly cpu: CpuTimes;
}

export class BrokerMetrics {
  private readonly sources: MetricsSources;
  private readonly now: () => number;
  private readonly probe: SystemProbe;
  private readonly sampleIntervalMs: number;
  private readonly window: SlidingWindow<WindowSample>;
  private timer: NodeJS.Timeout | undefined;

  constructor(sources: MetricsSources, options: MetricsOptions = {}) {
    this.sources = sources;
    this.now = options.now ?? Date.now;
    this.probe = options.probe ?? hostProbe;
    this.sampleIntervalMs = options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
    this.window = new SlidingWindow(options.windowMs ?? DEFAULT_WINDOW_MS);
  }

  /** Takes the first sample and keeps sampling until stop(). */
  start(): void {
    if (this.timer !== undefined) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.sampleIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records the counters and CPU times now, as a base for later rates. */
  sample(): void {
    const topics = this.sources.topics;
    this.sources.traffic.retainTopics((name) => topics.get(name) !== undefined);
    this.window.add(this.now(), { traffic: this.sources.traffic.read(), cpu: this.probe.cpuTimes() });
  }

  async snapshot(): Promise<BrokerMetricsSnapshot> {
    const { sources, probe } = this;
    const now = this.now();
    const traffic = sources.traffic.read();
    const cpu = probe.cpuTimes();
    const base = this.window.base(now);
    const seconds = base === undefined ? 0 : (now - base.at) / 1000;
    const before = base?.value.traffic;
    const topicList = sources.topics.list();
    const cluster = clusterMetrics(topicList, sources.partitions);
    const b = traffic.broker;
    const b0 = before?.broker;
    const topics: TopicMetrics[] = topicList.map(({ name }) => {
      const t = traffic.topics.get(name) ?? { bytesIn: 0, bytesOut: 0, messagesIn: 0 };
      const t0 = before?.topics.get(name);
      return {
        topic: name,
        BytesInPerSec: ratePerSecond(t.bytesIn, t0?.bytesIn ?? 0, seconds),
        BytesOutPerSec: ratePerSecond(t.bytesOut, t0?.bytesOut ?? 0, seconds),
        MessagesInPerSec: ratePerSecond(t.messagesIn, t0?.messagesIn ?? 0, seconds),
        totals: { bytesIn: t.bytesIn, bytesOut: t.bytesOut, messagesIn: t.messagesIn },
      };
    });
    return {
      timestamp: now,
      brokerId: sources.nodeId,
      clusterId: sources.clusterId,
      rateWindowSeconds: seconds,
      broker: {
        BytesInPerSec: ratePerSecond(b.bytesIn, b0?.bytesIn ?? 0, seconds),
        BytesOutPerSec: ratePerSecond(b.bytesOut, b0?.bytesOut ?? 0, seconds),
        MessagesInPerSec: ratePerSecond(b.messagesIn, b0?.messagesIn ?? 0, seconds),
        ConnectionCount: sources.connectionCount(),
        PartitionCount: cluster.GlobalPartitionCount,
        LeaderCount: cluster.GlobalPartitionCount - cluster.OfflinePartitionsCount,
        ProduceTotalTimeMsMean: windowMean(b.produceTimeMs, b0?.produceTimeMs ?? 0, b.produceRequests, b0?.produceRequests ?? 0),
        RequestBytesMean: windowMean(b.requestBytes, b0?.requestBytes ?? 0, b.requests, b0?.requests ?? 0),
        ...cpuPercent(cpu, base?.value.cpu),
        MemoryUsed: probe.memoryUsed(),
        KafkaDataLogsDiskUsed: await probe.diskUsedPercent(sources.dataDir),
      },
      totals: { ...b },
      topics,
      cluster,
      consumerLag: await consumerLag(sources.offsets, sources.topics, sources.partitions, now),
    };
  }
}

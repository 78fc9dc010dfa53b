/**
 * Broker metrics under Amazon MSK's CloudWatch names, and their Prometheus exposition.
 *
 *   TrafficCounters     counters the request paths feed (BrokerContext.metrics): appended(),
 *                       fetched(), requestReceived(), produceCompleted(); a few additions each
 *   BrokerMetrics       samples the counters for 60 s rate windows; snapshot() builds a
 *                       BrokerMetricsSnapshot (RunningBroker.metrics())
 *   renderPrometheus    snapshot -> text exposition 0.0.4 (naming scheme in prometheus.ts)
 *   startMetricsServer  GET /metrics over HTTP (startBroker's metricsPort)
 */
export { TrafficCounters } from './traffic.ts';
export { BrokerMetrics, type MetricsOptions, type MetricsSources } from './broker-metrics.ts';
export { renderPrometheus, PROMETHEUS_CONTENT_TYPE } from './prometheus.ts';
export { startMetricsServer, type RunningMetricsServer } from './http-server.ts';
export type { SystemProbe, CpuTimes } from './system.ts';
export type * from './snapshot.ts';

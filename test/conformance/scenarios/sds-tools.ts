// The `sds` client commands against both servers, compared with Kafka's own tools where one exists.
import type { Scenario } from '../scenario.ts';
import { sdsConsumeScenarios } from './sds-consume.ts';
import { sdsProduceScenarios } from './sds-produce.ts';

export const sdsToolScenarios: readonly Scenario[] = [
  // sds consume and sds groups (their own module: they share set-up helpers).
  ...sdsConsumeScenarios,
  // sds produce, next to kafka-verifiable-producer.
  ...sdsProduceScenarios,
];

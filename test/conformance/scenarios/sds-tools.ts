// The `sds` client commands against both servers, compared with Kafka's own tools where one exists.
import type { Scenario } from '../scenario.ts';

export const sdsToolScenarios: readonly Scenario[] = [];

/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core): `sds up` runs
 * all three patterns with the dashboard, records are produced, and the page must load without
 * console errors, show every widget, draw non-empty series and keep updating. Screenshots go to
 * test-output/ (the whole page, and its first screen) for a person to look at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Producer } from '@platformatic/kafka';
import { chromium, type Browser } from 'playwright-core';
import { startBroker } from '../../src/broker/broker.ts';
import { printed, startSds } from '../support/sds-up.ts';
import { CLUSTER_SECTION, FUNCTION_WIDGETS, LAG_SECTION, STREAM_WIDGETS } from '../../src/dashboard/page/widgets.ts';

const CHROMIUM = process.env['SDS_CHROMIUM'] ?? '/usr/bin/chromium';
const OUTPUT = resolve('test-output');

function config(dir: string): string {
  return `dataDir: ${join(dir, 'state')}
broker: { port: 0, metricsPort: 0 }
topics:
  - { name: MyTopic, partitions: 2 }
functions:
  msk-consumer:
    entry: ${resolve('src/functions/msk-consumer/index.ts')}
    eventSources:
      - { Topics: [MyTopic], StartingPosition: TRIM_HORIZON, MaximumBatchingWindowInSeconds: 0 }
  msk-to-firehose:
    entry: ${resolve('src/functions/msk-to-firehose/index.ts')}
    environment: { DELIVERY_STREAM_NAME: msk-to-s3 }
    eventSources:
      - { Topics: [MyTopic], StartingPosition: TRIM_HORIZON, MaximumBatchingWindowInSeconds: 0 }
firehose: { port: 0 }
deliveryStreams:
  msk-to-s3:
    BucketARN: arn:aws:s3:::dashboard-test
    BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 1 }
dashboard: { port: 0, intervalSeconds: 1 }
`;
}

async function startUp(file: string): Promise<{ stop: () => Promise<void>; bootstrap: string; url: string }> {
  const up = await startSds(['up', '--config-file', file]);
  return {
    bootstrap: printed(up.out(), 'Kafka broker ready'),
    url: printed(up.out(), 'Dashboard'),
    stop: async () => {
      assert.equal(await up.stop(), 0, up.out());
    },
  };
}

async function produce(bootstrap: string, count: number): Promise<void> {
  const producer = new Producer({ clientId: 'dashboard-browser-test', bootstrapBrokers: [bootstrap] });
  try {
    await producer.send({ acks: -1, messages: Array.from({ length: count }, (_, i) => ({ topic: 'MyTopic', partition: i % 2, value: Buffer.from(JSON.stringify({ ticker: 'AMZN', price: 100 + i })) })) });
  } finally {
    await producer.close();
  }
}

test('the dashboard in Chromium: every widget, live series after traffic, no console errors', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-dashboard-browser-'));
  const file = join(dir, 'sds.config.yaml');
  writeFileSync(file, config(dir));
  const up = await startUp(file);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    // Anything but the dashboard itself would be a request to the internet.
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(up.url)) foreign.push(r.url());
    });
    await page.goto(up.url);

    await produce(up.bootstrap, 200);
    const expected = [
      ...CLUSTER_SECTION.widgets.map((w) => `cluster/${w.id}`),
      ...LAG_SECTION.widgets.map((w) => `lag/${w.id}`),
      ...['msk-consumer', 'msk-to-firehose'].flatMap((f) => FUNCTION_WIDGETS.map((w) => `functions/${f}/${w.id}`)),
      ...STREAM_WIDGETS.map((w) => `streams/msk-to-s3/${w.id}`),
    ];
    await page.waitForFunction((n) => document.querySelectorAll('[data-widget]').length >= n, expected.length, { timeout: 60_000 });
    const present = await page.$$eval('[data-widget]', (els) => els.map((e) => e.getAttribute('data-widget')));
    assert.deepEqual([...present].sort(), [...expected].sort());

    // Charts that must draw a series once records flow through all three patterns.
    const live = ['cluster/cpu', 'cluster/topics', 'cluster/partitions', 'cluster/disk', 'cluster/messages-in', 'cluster/bytes-in', 'cluster/bytes-out', 'cluster/network', 'lag/max-offset-lag', 'lag/time-lag', 'functions/msk-consumer/invocations', 'functions/msk-to-firehose/invocations', 'streams/msk-to-s3/incoming', 'streams/msk-to-s3/delivered'];
    await produce(up.bootstrap, 200);
    await page.waitForFunction(
      (ids) => ids.every((id) => document.querySelector(`[data-widget="${id}"]`)?.classList.contains('has-data') === true && document.querySelector(`[data-widget="${id}"] canvas`) !== null),
      live,
      { timeout: 60_000, polling: 250 },
    );
    const legend = await page.$eval('[data-widget="cluster/messages-in"] .u-legend', (e) => e.textContent ?? '');
    assert.match(legend, /broker 1/);
    const topics = await page.$eval('[data-widget="cluster/topics"] .u-legend', (e) => e.textContent ?? '');
    assert.match(topics, /GlobalTopicCount/);

    // Keeps updating: the stamp changes with new samples.
    const before = await page.$eval('#updated', (e) => e.textContent ?? '');
    await page.waitForFunction((text) => document.querySelector('#updated')?.textContent !== text, before, { timeout: 10_000 });
    assert.match(await page.$eval('#sources', (e) => e.textContent ?? ''), /cluster: ok.*prometheus 127\.0\.0\.1:\d+: ok/);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard-top.png') });
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, []);
  } finally {
    await browser?.close();
    await up.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sds dashboard for a cluster that goes away: the page shows the source down, then recovers when it returns', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-dashboard-outage-'));
  let broker = await startBroker({ port: 0, dataDir });
  const port = broker.port;
  const dashboard = await startSds(['dashboard', '--bootstrap-server', broker.bootstrap, '--port', '0', '--interval-seconds', '1'], { ready: /Dashboard: \S+/ });
  const url = printed(dashboard.out(), 'Dashboard');
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    const page = await browser.newPage();
    await page.goto(url);
    const source = (): Promise<string> => page.$eval('[data-source="cluster"]', (e) => e.textContent ?? '');
    await page.waitForFunction(() => document.querySelector('[data-source="cluster"]')?.textContent === 'cluster: ok', undefined, { timeout: 30_000 });
    await broker.stop();
    await page.waitForFunction(() => document.querySelector('[data-source="cluster"]')?.classList.contains('down') === true, undefined, { timeout: 30_000 });
    assert.match(await source(), /^cluster: down \(.+\)$/);
    broker = await startBroker({ port, dataDir });
    await page.waitForFunction(() => document.querySelector('[data-source="cluster"]')?.textContent === 'cluster: ok', undefined, { timeout: 30_000 });
    assert.equal(await dashboard.stop(), 0, dashboard.out());
  } finally {
    await browser?.close();
    dashboard.kill();
    await broker.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderBarChart, shortNumber } from '../../bench/chart.ts';

test('a bar chart: one bar per series and group, labelled, heights in proportion, names escaped', () => {
  const svg = renderBarChart({
    title: 'Produce <1 KiB> & more',
    unit: 'records/s',
    groups: ['1 partition', '6 partitions'],
    series: [
      { name: 'embedded broker', values: [40_000, 20_000] },
      { name: 'Apache Kafka', values: [10_000, Number.NaN] },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes('Produce &lt;1 KiB&gt; &amp; more'));
  const bars = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#/g)].map((m) => Number(m[2]));
  // Group by group; the axis tops at 50k (the round value above 40k); a missing value has no bar.
  assert.deepEqual(bars.slice(0, 4), [192, 48, 96, 0]);
  for (const label of ['40.0k', '20.0k', '10.0k', 'n/a', 'embedded broker', 'Apache Kafka']) assert.ok(svg.includes(`>${label}<`), label);
});

test('short numbers: three significant digits, k and M', () => {
  assert.equal(shortNumber(7.25), '7.25');
  assert.equal(shortNumber(12), '12');
  assert.equal(shortNumber(1234), '1234');
  assert.equal(shortNumber(41_017), '41.0k');
  assert.equal(shortNumber(2_500_000), '2.50M');
  assert.equal(shortNumber(Number.POSITIVE_INFINITY), 'n/a');
});

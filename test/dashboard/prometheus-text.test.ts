import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusTextError, parsePrometheusText, sampleValue } from '../../src/dashboard/prometheus-text.ts';

test('families with HELP, TYPE and samples, labels unescaped, special values and timestamps', () => {
  const text = [
    '# HELP kafka_BytesInPerSec Bytes in per second.',
    '# TYPE kafka_BytesInPerSec gauge',
    'kafka_BytesInPerSec{broker="1"} 12.5',
    'kafka_BytesInPerSec{broker="1",topic="orders"} 1e3',
    '',
    '# a plain comment',
    '# TYPE kafka_SumOffsetLag gauge',
    'kafka_SumOffsetLag{consumer_group="a\\"b\\\\c\\nd",topic="t",} 7 1700000000000',
    'untyped_metric NaN',
    'up +Inf',
    'down -Inf',
    'negative -0.25E-2',
    '# HELP escaped_help one\\\\two\\nthree',
    'escaped_help\t 1',
  ].join('\n');
  const families = parsePrometheusText(`${text}\n`);
  assert.deepEqual(
    families.map((f) => [f.name, f.type, f.help]),
    [
      ['kafka_BytesInPerSec', 'gauge', 'Bytes in per second.'],
      ['kafka_SumOffsetLag', 'gauge', undefined],
      ['untyped_metric', 'untyped', undefined],
      ['up', 'untyped', undefined],
      ['down', 'untyped', undefined],
      ['negative', 'untyped', undefined],
      ['escaped_help', 'untyped', 'one\\two\nthree'],
    ],
  );
  assert.deepEqual(families[0]?.samples, [
    { name: 'kafka_BytesInPerSec', labels: { broker: '1' }, value: 12.5 },
    { name: 'kafka_BytesInPerSec', labels: { broker: '1', topic: 'orders' }, value: 1000 },
  ]);
  assert.deepEqual(families[1]?.samples, [{ name: 'kafka_SumOffsetLag', labels: { consumer_group: 'a"b\\c\nd', topic: 't' }, value: 7, timestampMs: 1_700_000_000_000 }]);
  assert.ok(Number.isNaN(sampleValue(families, 'untyped_metric')));
  assert.equal(sampleValue(families, 'up'), Infinity);
  assert.equal(sampleValue(families, 'down'), -Infinity);
  assert.equal(sampleValue(families, 'negative'), -0.0025);
  assert.equal(sampleValue(families, 'escaped_help'), 1);
  assert.equal(sampleValue(families, 'kafka_BytesInPerSec', { topic: 'orders', broker: '1' }), 1000, 'label order does not matter');
  assert.equal(sampleValue(families, 'kafka_BytesInPerSec', { broker: '2' }), undefined);
  assert.equal(sampleValue(families, 'kafka_BytesInPerSec'), undefined, 'labels must match exactly');
});

test('summary and histogram samples join their family; a family may have no samples', () => {
  const families = parsePrometheusText(
    [
      '# TYPE rpc_seconds summary',
      'rpc_seconds{quantile="0.5"} 0.1',
      'rpc_seconds_sum 12',
      'rpc_seconds_count 40',
      '# TYPE size_bytes histogram',
      'size_bytes_bucket{le="+Inf"} 3',
      'size_bytes_sum 9',
      'size_bytes_count 3',
      '# HELP empty_family Nothing yet.',
      '# TYPE empty_family gauge',
      '# TYPE plain_sum counter',
      'plain_sum 5',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    families.map((f) => [f.name, f.type, f.samples.map((s) => s.name)]),
    [
      ['rpc_seconds', 'summary', ['rpc_seconds', 'rpc_seconds_sum', 'rpc_seconds_count']],
      ['size_bytes', 'histogram', ['size_bytes_bucket', 'size_bytes_sum', 'size_bytes_count']],
      ['empty_family', 'gauge', []],
      ['plain_sum', 'counter', ['plain_sum']],
    ],
  );
  assert.deepEqual(parsePrometheusText(''), []);
  assert.equal(sampleValue(parsePrometheusText('no_final_newline 3'), 'no_final_newline'), 3);
});

test('malformed input fails with SDS_ERR_PROMETHEUS_TEXT naming the line', () => {
  const cases: [string, number, RegExp][] = [
    ['ok 1\nbad_value abc\n', 2, /"abc" is not a number/],
    ['ok 1\n\nno_value\n', 3, /line ends where the value of no_value should follow/],
    ['9starts_with_digit 1\n', 1, /"9starts_with_digit" is not a valid metric name/],
    ['m{a="1"\n', 1, /expected "," or "}" after the value of label a/],
    ['m{a="1} 2\n', 1, /the value of label a has no closing quote/],
    ['m{a=1} 2\n', 1, /the value of label a must be in double quotes/],
    ['m{a="\\t"} 2\n', 1, /invalid escape "\\t" in the value of label a/],
    ['m{a="1",a="2"} 2\n', 1, /label a appears twice/],
    ['m{1a="x"} 2\n', 1, /"1a" is not a valid label name/],
    ['m{a} 2\n', 1, /expected "=" after the label name a/],
    ['m 1\nm 2\n', 2, /series m\{\} appears twice/],
    ['m{b="1",a="2"} 1\nm{a="2",b="1"} 2\n', 2, /appears twice/],
    ['m 1 12.5\n', 1, /"12.5" is not a timestamp/],
    ['m 1 12 extra\n', 1, /unexpected text after the timestamp/],
    ['# TYPE m gauge\n# TYPE m counter\n', 2, /second TYPE line for m/],
    ['# HELP m a\n# HELP m b\n', 2, /second HELP line for m/],
    ['m 1\n# TYPE m gauge\n', 2, /TYPE line for m comes after its samples/],
    ['# TYPE m gauges\n', 1, /unknown metric type "gauges"/],
    ['# TYPE m\n', 1, /line ends where the type of m should follow/],
    ['# TYPE m gauge extra\n', 1, /unexpected text after TYPE m gauge/],
    ['# HELP 1m text\n', 1, /HELP names "1m", which is not a valid metric name/],
    ['ok 1\r\n', 1, /carriage return/],
    ['<html><body>Not Found</body></html>\n', 1, /not a valid metric name/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(
      () => parsePrometheusText(text),
      (e: unknown) => {
        assert.ok(e instanceof PrometheusTextError, `${JSON.stringify(text)} throws a PrometheusTextError`);
        assert.equal(e.code, 'SDS_ERR_PROMETHEUS_TEXT');
        assert.equal(e.line, line, `line of ${JSON.stringify(text)}: ${e.message}`);
        assert.match(e.message, new RegExp(`^Prometheus text, line ${line}: `));
        assert.match(e.message, message);
        return true;
      },
    );
  }
});

test('output in the style of the JMX and node exporters parses', () => {
  const text = [
    '# HELP kafka_server_BrokerTopicMetrics_Count Attribute exposed for management kafka.server:name=BytesInPerSec,type=BrokerTopicMetrics,attribute=Count',
    '# TYPE kafka_server_BrokerTopicMetrics_Count untyped',
    'kafka_server_BrokerTopicMetrics_Count{name="BytesInPerSec",topic="orders",} 3.2E7',
    '# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.',
    '# TYPE node_cpu_seconds_total counter',
    'node_cpu_seconds_total{cpu="0",mode="idle"} 1.23e+06',
    '',
  ].join('\n');
  const families = parsePrometheusText(text);
  assert.equal(sampleValue(families, 'kafka_server_BrokerTopicMetrics_Count', { name: 'BytesInPerSec', topic: 'orders' }), 3.2e7);
  assert.equal(sampleValue(families, 'node_cpu_seconds_total', { cpu: '0', mode: 'idle' }), 1.23e6);
  assert.equal(families[1]?.type, 'counter');
});

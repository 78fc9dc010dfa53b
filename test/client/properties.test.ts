import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProperties, PropertiesError } from '../../src/client/properties.ts';

test('properties: separators, comments, blank lines and the last value of a repeated key', () => {
  const props = parseProperties(
    [
      '# a comment',
      '! another comment',
      '',
      'security.protocol=SASL_SSL',
      'sasl.mechanism : SCRAM-SHA-512',
      'client.id sds-client',
      '   indented.key   =   value with spaces  ',
      'empty.value=',
      'bare.key',
      'repeated=1',
      'repeated=2',
    ].join('\n'),
  );
  assert.deepEqual(Object.fromEntries(props), {
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'client.id': 'sds-client',
    'indented.key': 'value with spaces  ',
    'empty.value': '',
    'bare.key': '',
    repeated: '2',
  });
});

test('properties: continuation lines, escapes and CRLF line ends', () => {
  const text =
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\r\n' +
    '    username="alice" \\\r\n' +
    '    password="s3cr\\u00e9t";\r\n' +
    'key\\=with\\:separators=tab\\there\r\n' +
    'ends.with.backslash=C:\\\\path\\\\\r\n';
  const props = parseProperties(text);
  assert.equal(props.get('sasl.jaas.config'), 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3crét";');
  assert.equal(props.get('key=with:separators'), 'tab\there');
  assert.equal(props.get('ends.with.backslash'), 'C:\\path\\');
});

test('properties: a continuation at the end of the file and a comment inside a value', () => {
  const props = parseProperties('a=1 \\\n# not a comment here\nb=2\\');
  assert.equal(props.get('a'), '1 # not a comment here');
  assert.equal(props.get('b'), '2');
});

test('properties: a malformed \\u escape is refused with its line number', () => {
  assert.throws(() => parseProperties('ok=1\nbad=\\u12G4'), (e: unknown) => e instanceof PropertiesError && /line 2/.test(e.message) && e.code === 'SDS_ERR_CLIENT_PROPERTIES');
});

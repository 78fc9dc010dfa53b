import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { IConstruct } from 'constructs';
import { createApp } from '../../infra/create-app.ts';

// The whole app, as `cdk synth` builds it: cdk-nag's AWS Solutions pack runs on every stack and any
// unacknowledged finding makes synth throw.
const outdir = mkdtempSync(join(tmpdir(), 'sds-cdk-'));
after(() => rmSync(outdir, { recursive: true, force: true }));
const { app } = createApp({ outdir });
const assembly = app.synth();

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) out.push({ path: construct.node.path, id, reason });
    }
  }
  return out;
}

test('cdk synth of the app writes the three stacks\' templates, with cdk-nag passing on each', () => {
  assert.deepEqual(assembly.stacks.map((s) => s.stackName).sort(), ['MskLambda', 'MskLambdaKdf', 'MskStandalone']);
  for (const stack of assembly.stacks) assert.ok(existsSync(join(outdir, stack.templateFile)));
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { pluginName: string; violations: { severity?: string }[] }[] };
  const errors = report.pluginReports.flatMap((p) => p.violations.filter((v) => v.severity === 'error').map(() => p.pluginName));
  assert.deepEqual(errors, []);
});

test('every acknowledgement names one finding and says why, and the list is the reviewed one', () => {
  const acks = acknowledgements(app);
  for (const ack of acks) {
    assert.match(ack.id, /^(Annotation::AwsSolutions-[A-Z]+\d+(\[.+\])?|CloudFormation-Validate::W\d+)$/, ack.id);
    assert.ok(ack.reason.length >= 40, `${ack.path} ${ack.id}: the reason says why`);
  }
  const summary = acks.map((a) => `${a.path} ${a.id.replace(/^Annotation::/, '').replace(/\[Resource::.*:(topic|group)\/.*\]$/, '[Resource::<cluster>:$1/*]').replace(/\[Resource::<.+>\/\*\]$/, '[Resource::<bucket>/*]')}`).sort();
  assert.deepEqual(summary, [
    'MskLambda/Consumer/Function AwsSolutions-L1',
    'MskLambda/Consumer/Mapping CloudFormation-Validate::W1030',
    'MskLambda/Consumer/Policy AwsSolutions-IAM5[Resource::*]',
    'MskLambdaKdf/Delivery/Policy AwsSolutions-IAM5[Resource::<bucket>/*]',
    'MskLambdaKdf/Forwarder/Function AwsSolutions-L1',
    'MskLambdaKdf/Forwarder/Mapping CloudFormation-Validate::W1030',
    'MskLambdaKdf/Forwarder/Policy AwsSolutions-IAM5[Resource::*]',
    'MskLambdaKdf/Output/AccessLogs AwsSolutions-S1',
    'MskStandalone/Client/Instance AwsSolutions-EC29',
    'MskStandalone/Client/Policy AwsSolutions-IAM5[Resource::*]',
    'MskStandalone/Client/Policy AwsSolutions-IAM5[Resource::<cluster>:group/*]',
    'MskStandalone/Client/Policy AwsSolutions-IAM5[Resource::<cluster>:topic/*]',
    'MskStandalone/Msk/ScramSecret AwsSolutions-SMG4',
  ]);
});

/**
 * Shared by the CDK template tests: an app like infra/create-app.ts makes (same feature flags,
 * cdk-nag's AWS Solutions checks), so a stack that passes here passes `cdk synth` too.
 */
import { App, Validations, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FEATURE_FLAGS } from '../../infra/create-app.ts';

export function appWithChecks(context: Record<string, unknown> = {}): App {
  const app = new App({ context: { ...FEATURE_FLAGS, ...context } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

export interface Synthesized {
  readonly template: Template;
  readonly json: TemplateJson;
}

export interface TemplateJson {
  readonly Parameters: Record<string, { Type: string; Default?: unknown; AllowedValues?: string[]; MinValue?: number; MaxValue?: number; AllowedPattern?: string; MaxLength?: number }>;
  readonly Conditions: Record<string, unknown>;
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Condition?: string; DependsOn?: string | string[] }>;
  readonly Outputs: Record<string, { Value: unknown; Condition?: string }>;
  readonly Rules?: Record<string, unknown>;
  readonly Metadata: Record<string, unknown>;
}

/** Synthesizes the stack's app (running cdk-nag, which throws on any unacknowledged finding). */
export function synth(stack: Stack): Synthesized {
  const template = Template.fromStack(stack);
  return { template, json: template.toJSON() as TemplateJson };
}

/** The resources of a type, as [logicalId, resource] pairs. */
export function resourcesOf(json: TemplateJson, type: string): [string, TemplateJson['Resources'][string]][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** The one resource of a type (fails the test when there is not exactly one). */
export function onlyResource(json: TemplateJson, type: string): [string, TemplateJson['Resources'][string]] {
  const found = resourcesOf(json, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, TemplateJson['Resources'][string]];
}

/** The statements of every AWS::IAM::Policy in the template, Fn::If branches unwrapped. */
export function policyStatements(json: TemplateJson): { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
  const out: Statement[] = [];
  for (const [, policy] of resourcesOf(json, 'AWS::IAM::Policy')) {
    const document = policy.Properties?.['PolicyDocument'] as { Statement: unknown[] };
    for (const entry of document.Statement) {
      const ifBranches = (entry as { 'Fn::If'?: [string, Statement, unknown] })['Fn::If'];
      out.push(ifBranches !== undefined ? ifBranches[1] : (entry as Statement));
    }
  }
  return out;
}

export function actionsOf(statement: { Action: string | string[] }): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** The dashboard's body as JSON: CDK writes it as Fn::Join of text and tokens; tokens become "<token>". */
export function dashboardBody(json: TemplateJson): { widgets: { type: string; properties: Record<string, unknown> }[] } {
  const [, dashboard] = onlyResource(json, 'AWS::CloudWatch::Dashboard');
  const body = dashboard.Properties?.['DashboardBody'] as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
  return JSON.parse(text) as { widgets: { type: string; properties: Record<string, unknown> }[] };
}

/** Every metric expression (SEARCH ...) and metric name of the dashboard's widgets. */
export function dashboardMetrics(json: TemplateJson): { expressions: string[]; metricNames: string[] } {
  const expressions: string[] = [];
  const metricNames: string[] = [];
  for (const widget of dashboardBody(json).widgets) {
    for (const metric of (widget.properties['metrics'] as unknown[][] | undefined) ?? []) {
      const first = metric[0];
      if (typeof first === 'object' && first !== null && 'expression' in first) expressions.push(String((first).expression));
      else metricNames.push(String(metric[1]));
    }
  }
  return { expressions, metricNames };
}

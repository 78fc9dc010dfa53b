/**
 * CloudFormation parameters with a label and a group, written to the template's
 * AWS::CloudFormation::Interface metadata so the console shows them grouped, in the order they
 * were added, with readable labels: each stack can be launched from the console on its own.
 */
import { CfnParameter, Lazy, type CfnParameterProps, type Stack } from 'aws-cdk-lib';

export interface LabelledParameterProps extends CfnParameterProps {
  /** The console's label for the parameter; also its Description unless one is given. */
  readonly label: string;
}

interface Group {
  readonly label: string;
  readonly parameters: CfnParameter[];
}

export class TemplateInterface {
  private readonly groups: Group[] = [];
  private readonly labels = new Map<CfnParameter, string>();

  constructor(private readonly stack: Stack) {
    // Resolved when the template is written, so parameters added later are included.
    stack.templateOptions.metadata = {
      ...stack.templateOptions.metadata,
      'AWS::CloudFormation::Interface': Lazy.any({ produce: () => this.render() }),
    };
  }

  /** A parameter in the group labelled `group` (the group is created on first use). */
  parameter(group: string, id: string, props: LabelledParameterProps): CfnParameter {
    const { label, ...cfnProps } = props;
    const parameter = new CfnParameter(this.stack, id, { description: label, ...cfnProps });
    let entry = this.groups.find((g) => g.label === group);
    if (entry === undefined) {
      entry = { label: group, parameters: [] };
      this.groups.push(entry);
    }
    entry.parameters.push(parameter);
    this.labels.set(parameter, label);
    return parameter;
  }

  private render(): unknown {
    return {
      ParameterGroups: this.groups.map((g) => ({ Label: { default: g.label }, Parameters: g.parameters.map((p) => p.logicalId) })),
      ParameterLabels: Object.fromEntries([...this.labels].map(([p, label]) => [p.logicalId, { default: label }])),
    };
  }
}

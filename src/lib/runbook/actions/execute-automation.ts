import {OpsctlError} from '../../errors/errors.js'
import {ExitCode} from '../../errors/exit-codes.js'
import type {ActionSpec} from '../action.js'

export const executeAutomation: ActionSpec = {
  name: 'aws:executeAutomation',
  requiredInputs: ['DocumentName'],
  builtinOutputs: ['ExecutionId', 'Status', 'Output'],
  mutates: () => true,
  calls: () => ['ssm:StartAutomationExecution', 'ssm:GetAutomationExecution', 'ssm:DescribeAutomationExecutions'],
  async run(inputs, ctx) {
    const nested = await ctx.runDocument(String(inputs.DocumentName), (inputs.RuntimeParameters ?? {}) as Record<string, unknown>)
    const outputs = {ExecutionId: nested.executionId, Status: nested.status, Output: JSON.stringify(nested.outputs)}
    if (nested.status !== 'Success')
      throw new OpsctlError(
        `Nested runbook ${inputs.DocumentName} (execution ${nested.executionId}) ended ${nested.status}.`,
        ExitCode.WorkflowFailed,
        'NestedAutomationFailed',
      )
    return {outputs, response: nested.outputs}
  },
}

import type {ActionSpec} from '../action.js'

export const approve: ActionSpec = {
  name: 'aws:approve',
  requiredInputs: [],
  // EnhancedApprovals: Change Manager's approvers, in place of Approvers.
  oneOf: [['Approvers', 'EnhancedApprovals']],
  builtinOutputs: ['ApprovalStatus', 'ApproverDecisions'],
  mutates: () => false,
  calls: (inputs) => (inputs.NotificationArn ? ['sns:Publish'] : []),
  async run(inputs, ctx) {
    await ctx.approve(inputs.Message ? String(inputs.Message) : `Approve step ${ctx.step.name}?`)
    return {outputs: {ApprovalStatus: 'Approved', ApproverDecisions: [{Approver: 'opsctl', Decision: 'Approve'}]}}
  },
}

import type {ActionSpec} from '../action.js'

export const createTags: ActionSpec = {
  name: 'aws:createTags',
  requiredInputs: ['ResourceIds', 'Tags'],
  builtinOutputs: [],
  mutates: () => true,
  calls: (inputs) => (inputs.ResourceType === undefined || inputs.ResourceType === 'EC2' ? ['ec2:CreateTags'] : ['ssm:AddTagsToResource']),
  async run(inputs, ctx) {
    const resourceIds = (Array.isArray(inputs.ResourceIds) ? inputs.ResourceIds : [inputs.ResourceIds]).map(String)
    const tags = (inputs.Tags as {Key: string; Value: string}[]).map(({Key, Value}) => ({Key: String(Key), Value: String(Value)}))
    const type = inputs.ResourceType ?? 'EC2'
    if (type === 'EC2') {
      const {CreateTagsCommand, EC2Client} = await import('@aws-sdk/client-ec2')
      await ctx.session.client(EC2Client).send(new CreateTagsCommand({Resources: resourceIds, Tags: tags}), {abortSignal: ctx.io.signal})
    } else {
      const {AddTagsToResourceCommand, SSMClient} = await import('@aws-sdk/client-ssm')
      for (const ResourceId of resourceIds) {
        await ctx.session.client(SSMClient).send(new AddTagsToResourceCommand({ResourceType: type, ResourceId, Tags: tags}), {abortSignal: ctx.io.signal})
      }
    }
    return {}
  },
}

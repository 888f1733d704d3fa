import type {ActionSpec} from '../action.js'
import {isLiteral, isMapping} from '../validate/values.js'

const resourceTypes = ['EC2', 'ManagedInstance', 'MaintenanceWindow', 'Parameter']

export const createTags: ActionSpec = {
  name: 'aws:createTags',
  requiredInputs: ['ResourceIds', 'Tags'],
  builtinOutputs: [],
  mutates: () => true,
  calls: (inputs) => (inputs.ResourceType === undefined || inputs.ResourceType === 'EC2' ? ['ec2:CreateTags'] : ['ssm:AddTagsToResource']),
  checkInputs({ResourceType: type, Tags: tags}, check) {
    if (isLiteral(type) && !resourceTypes.includes(String(type)))
      check.error(
        'resource-type',
        ['ResourceType'],
        `ResourceType of step ${check.step} is ${JSON.stringify(type)}.`,
        `use ${resourceTypes.slice(0, -1).join(', ')} or ${resourceTypes.at(-1)}.`,
      )
    if (Array.isArray(tags) && tags.some((t) => !isMapping(t) || t.Key === undefined || t.Value === undefined))
      check.error('tags', ['Tags'], `Every tag of step ${check.step} needs Key and Value.`, 'write each tag as - Key: k, Value: v.')
  },
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

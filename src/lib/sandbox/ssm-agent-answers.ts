import {SSMClient} from '@aws-sdk/client-ssm'
import type {InitializeHandlerArguments, InitializeMiddleware, MetadataBearer} from '@smithy/types'

import type {StandIn} from '../aws/session.js'
import {getCommandInvocation, listCommandInvocations, listCommands, sendCommand} from './ssm-agent-commands.js'
import {listComplianceItems, putComplianceItems} from './ssm-agent-compliance.js'
import {type StandInContext, standInContext} from './ssm-agent-instances.js'
import {describeInstanceInformation, describeInstancePatchStates, getInventory, listInventoryEntries} from './ssm-agent-inventory.js'

/** An answer to an SSM operation; `toMoto` sends a request on to moto, for the operations it half implements. */
type Answer = (ctx: StandInContext, input: never, toMoto: (input: object) => Promise<object>) => Promise<object>

/** The SSM operations the stand-in answers; every other one goes to moto untouched. */
const answers: Record<string, Answer> = {
  DescribeInstanceInformation: describeInstanceInformation,
  SendCommand: sendCommand,
  ListCommands: listCommands,
  ListCommandInvocations: listCommandInvocations,
  GetCommandInvocation: getCommandInvocation,
  PutComplianceItems: putComplianceItems,
  ListComplianceItems: listComplianceItems,
  ListInventoryEntries: listInventoryEntries,
  GetInventory: getInventory,
  DescribeInstancePatchStates: describeInstancePatchStates,
}

/** The SSM agent stand-in as a middleware of every client of a sandbox session: it acts on SSM clients only. */
export const ssmAgentStandIn: StandIn =
  (session): InitializeMiddleware<object, MetadataBearer> =>
  (next, context) =>
  async (args: InitializeHandlerArguments<object>) => {
    const answer = context.clientName === 'SSMClient' ? answers[String(context.commandName).replace(/Command$/, '')] : undefined
    if (!answer) return next(args)
    const toMoto = async (input: object) => (await next({...args, input})).output
    const output = await answer(standInContext(session, session.client(SSMClient)), args.input as never, toMoto)
    return {output: {...output, $metadata: {httpStatusCode: 200, requestId: 'opsctl-sandbox-ssm-agent'}}, response: undefined}
  }

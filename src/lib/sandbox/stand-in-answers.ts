import {SSMClient} from '@aws-sdk/client-ssm'
import type {InitializeHandlerArguments, InitializeMiddleware, MetadataBearer} from '@smithy/types'

import type {AwsSession, StandIn} from '../aws/session.js'
import {getCredentialReport} from './iam-credential-report.js'
import {getCommandInvocation, listCommandInvocations, listCommands, sendCommand} from './ssm-agent-commands.js'
import {listComplianceItems, putComplianceItems} from './ssm-agent-compliance.js'
import {type StandInContext, standInContext} from './ssm-agent-instances.js'
import {describeInstanceInformation, describeInstancePatchStates, getInventory, listInventoryEntries} from './ssm-agent-inventory.js'

/** Sends a request on to moto, for the operations it half implements. */
type ToMoto = (input: object) => Promise<object>
/** An answer to one operation, given the sandbox session (to make calls of its own). */
type Answer = (session: AwsSession, input: never, toMoto: ToMoto) => Promise<object>
/** An answer of the SSM agent stand-in, which works on EC2 instances and the SSM client it stands in for. */
type SsmAgentAnswer = (ctx: StandInContext, input: never, toMoto: ToMoto) => Promise<object>

const asSsmAgent =
  (answer: SsmAgentAnswer): Answer =>
  (session, input, toMoto) =>
    answer(standInContext(session, session.client(SSMClient)), input, toMoto)

/** The operations the stand-in answers, by client; every other one goes to moto untouched. */
const answers: Record<string, Record<string, Answer>> = {
  SSMClient: Object.fromEntries(
    Object.entries({
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
    } as Record<string, SsmAgentAnswer>).map(([operation, answer]) => [operation, asSsmAgent(answer)]),
  ),
  // moto's credential report lists IAM users only; the root user's row is the sandbox's own.
  IAMClient: {GetCredentialReport: getCredentialReport},
}

/** The sandbox's stand-in as a middleware of every client of a sandbox session: it acts on the operations above only. */
export const sandboxAnswers: StandIn =
  (session): InitializeMiddleware<object, MetadataBearer> =>
  (next, context) =>
  async (args: InitializeHandlerArguments<object>) => {
    const answer = answers[String(context.clientName)]?.[String(context.commandName).replace(/Command$/, '')]
    if (!answer) return next(args)
    const toMoto = async (input: object) => (await next({...args, input})).output
    const output = await answer(session, args.input as never, toMoto)
    return {output: {...output, $metadata: {httpStatusCode: 200, requestId: 'opsctl-sandbox-stand-in'}}, response: undefined}
  }

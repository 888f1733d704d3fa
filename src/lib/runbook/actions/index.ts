import type {ActionSpec} from '../action.js'
import {approve} from './approve.js'
import {assertAwsResourceProperty} from './assert-aws-resource-property.js'
import {branch} from './branch.js'
import {changeInstanceState} from './change-instance-state.js'
import {copyImage} from './copy-image.js'
import {createImage} from './create-image.js'
import {createStack} from './create-stack.js'
import {createTags} from './create-tags.js'
import {deleteImage} from './delete-image.js'
import {deleteStack} from './delete-stack.js'
import {executeAutomation} from './execute-automation.js'
import {executeAwsApi} from './execute-aws-api.js'
import {executeScript} from './execute-script.js'
import {executeStateMachine} from './execute-state-machine.js'
import {invokeLambdaFunction} from './invoke-lambda-function.js'
import {invokeWebhook} from './invoke-webhook.js'
import {loop} from './loop.js'
import {pause} from './pause.js'
import {runCommand} from './run-command.js'
import {runInstances} from './run-instances.js'
import {sleep} from './sleep.js'
import {undocumentedActions} from './undocumented.js'
import {updateVariable} from './update-variable.js'
import {waitForAwsResourceProperty} from './wait-for-aws-resource-property.js'

/** The 23 documented SSM Automation actions. */
const documented: ActionSpec[] = [
  approve,
  assertAwsResourceProperty,
  branch,
  changeInstanceState,
  copyImage,
  createImage,
  createStack,
  createTags,
  deleteImage,
  deleteStack,
  executeAutomation,
  executeAwsApi,
  executeScript,
  executeStateMachine,
  invokeLambdaFunction,
  invokeWebhook,
  loop,
  pause,
  runCommand,
  runInstances,
  sleep,
  updateVariable,
  waitForAwsResourceProperty,
]

export const documentedActionNames = documented.map((action) => action.name)

/** Those found only in AWS-owned documents: accepted with a warning (see undocumented.ts). */
export const undocumentedActionNames: ReadonlySet<string> = new Set(undocumentedActions.map((action) => action.name))

/** Every action a document may use, by name. */
export const actions: ReadonlyMap<string, ActionSpec> = new Map([...documented, ...undocumentedActions].map((action) => [action.name, action]))

/** Actions people write that do not exist, with what to use instead. */
export const actionReplacements: Record<string, string> = {
  'aws:createSnapshot': 'use aws:executeAwsApi with Service ec2 and Api CreateSnapshot',
  'aws:deleteSnapshot': 'use aws:executeAwsApi with Service ec2 and Api DeleteSnapshot',
  'aws:createDBSnapshot': 'use aws:executeAwsApi with Service rds and Api CreateDBSnapshot',
  'aws:runShellScript': 'use aws:runCommand with DocumentName AWS-RunShellScript',
  'aws:runPowerShellScript': 'use aws:runCommand with DocumentName AWS-RunPowerShellScript',
  'aws:invokeLambda': 'use aws:invokeLambdaFunction',
  'aws:wait': 'use aws:sleep, or aws:waitForAwsResourceProperty to wait for a resource state',
  'aws:stopInstances': 'use aws:changeInstanceState with DesiredState stopped',
  'aws:startInstances': 'use aws:changeInstanceState with DesiredState running',
  'aws:rebootInstances': 'use aws:executeAwsApi with Service ec2 and Api RebootInstances',
}

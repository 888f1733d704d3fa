import type {ActionSpec} from '../action.js'
import {isLiteral} from '../validate/values.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const executeScript: ActionSpec = {
  name: 'aws:executeScript',
  requiredInputs: ['Runtime'],
  builtinOutputs: [],
  mutates: () => true,
  calls: () => [],
  checkInputs({Runtime: runtime, Handler: handler}, check) {
    // A Python script names the function SSM calls; a PowerShell script runs from its first line.
    if (isLiteral(runtime) && String(runtime).toLowerCase().startsWith('python') && handler === undefined)
      check.error(
        'missing-input',
        [],
        `Step ${check.step} runs ${runtime} and has no Handler input.`,
        'add inputs.Handler: the name of the function to call, e.g. script_handler.',
      )
  },
}

import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const executeScript: ActionSpec = {
  name: 'aws:executeScript',
  requiredInputs: ['Runtime', 'Handler'],
  builtinOutputs: [],
  mutates: () => true,
  calls: () => [],
}

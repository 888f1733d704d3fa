import type {ActionSpec, InputCheck} from '../action.js'
import {actionReplacements, actions, documentedActionNames, undocumentedActionNames} from '../actions/index.js'
import type {NodePath} from '../document.js'
import {isTrue, jumpsFrom, jumpTarget, type StepNode} from '../graph.js'
import {parseJsonPath} from '../jsonpath.js'
import {outputTypes} from '../output-types.js'
import {stringsIn} from '../references.js'
import {checkCondition} from './conditions.js'
import type {Diagnostics} from './diagnostics.js'
import type {DocumentIndex} from './document-index.js'
import {checkReferences} from './references.js'
import {isEmpty, isLiteral, isMapping, isWholeNumber} from './values.js'

const stepFields = [
  'name',
  'action',
  'description',
  'inputs',
  'outputs',
  'maxAttempts',
  'timeoutSeconds',
  'onFailure',
  'onCancel',
  'isEnd',
  'nextStep',
  'isCritical',
]
const stepName = /^[A-Za-z0-9_-]+$/

/** One step: its fields, its jumps, its output declarations and its action's inputs. */
export function checkStep(node: StepNode, index: DocumentIndex, d: Diagnostics): void {
  checkFields(node, index, d)
  for (const jump of jumpsFrom(node)) {
    if (!index.steps.has(jump.target)) {
      d.error(
        'unknown-step',
        jump.path,
        `Step ${node.name} jumps to ${jump.target}, which is not a step of this document.`,
        `${d.suggest(jump.target, index.stepNames, 'step')}`,
      )
    }
  }
  checkOutputDeclarations(node, d)
  checkAction(node, index, d)
}

function checkFields(node: StepNode, index: DocumentIndex, d: Diagnostics): void {
  const {step, path} = node
  if (typeof step.name !== 'string') d.error('step-name', path, `Step ${node.index + 1} has no name.`, 'give it a name: letters, digits, _ and -.')
  else if (!stepName.test(step.name))
    d.error('step-name', [...path, 'name'], `Step name "${step.name}" has characters SSM does not accept.`, 'use letters, digits, _ and - only.')
  for (const field of Object.keys(step)) {
    if (!stepFields.includes(field))
      d.warning(
        'unknown-field',
        [...path, field],
        `Unknown field ${field} in step ${node.name}.`,
        `remove it, or ${d.suggest(field, stepFields, 'field')}`,
        true,
      )
  }
  if (step.description !== undefined && typeof step.description !== 'string')
    d.error('field-type', [...path, 'description'], `description of step ${node.name} must be a string.`, 'write it as text.')
  for (const field of ['maxAttempts', 'timeoutSeconds'] as const) {
    if (step[field] !== undefined && !isWholeNumber(step[field], 1))
      d.error(
        'field-type',
        [...path, field],
        `${field} of step ${node.name} must be a whole number of at least 1.`,
        `write e.g. ${field}: ${field === 'maxAttempts' ? 3 : 600}.`,
      )
  }
  for (const field of ['isEnd', 'isCritical'] as const) {
    if (step[field] !== undefined && typeof step[field] !== 'boolean' && step[field] !== 'true' && step[field] !== 'false')
      d.error('field-type', [...path, field], `${field} of step ${node.name} must be true or false.`, `write ${field}: true or ${field}: false.`)
  }
  for (const field of ['onFailure', 'onCancel'] as const) {
    const value = step[field]
    if (value !== undefined && value !== 'Abort' && value !== 'Continue' && !jumpTarget(value)) {
      d.error('on-failure', [...path, field], `${field} of step ${node.name} is ${JSON.stringify(value)}.`, 'use Abort, Continue or step:<name of a step>.')
    }
  }
  if (step.nextStep !== undefined && typeof step.nextStep !== 'string')
    d.error(
      'field-type',
      [...path, 'nextStep'],
      `nextStep of step ${node.name} must be a step name.`,
      `name one of the steps: ${index.stepNames.slice(0, 8).join(', ')}.`,
    )
  if (isTrue(step.isEnd) && step.nextStep !== undefined)
    d.warning('is-end', [...path, 'nextStep'], `Step ${node.name} has isEnd: true, so its nextStep is never used.`, 'remove nextStep or isEnd.')
}

function checkOutputDeclarations(node: StepNode, d: Diagnostics): void {
  const outputs = node.step.outputs
  if (outputs === undefined) return
  if (!Array.isArray(outputs)) {
    d.error(
      'step-output',
      [...node.path, 'outputs'],
      `outputs of step ${node.name} must be a list.`,
      'write each output as - Name: X, Selector: $.Path, Type: String.',
    )
    return
  }
  for (const [i, output] of outputs.entries()) checkOutputDeclaration(node, output, i, d)
}

function checkOutputDeclaration(node: StepNode, output: unknown, i: number, d: Diagnostics): void {
  const path = [...node.path, 'outputs', i]
  if (!isMapping(output)) {
    d.error('step-output', path, `Output ${i + 1} of step ${node.name} is not a mapping.`, 'write it as Name, Selector and Type.')
    return
  }
  const name = String(output.Name ?? i + 1)
  if (typeof output.Name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(output.Name))
    d.error(
      'step-output',
      output.Name === undefined ? path : [...path, 'Name'],
      `Output ${i + 1} of step ${node.name} has no valid Name.`,
      'give it a Name of letters, digits and _.',
    )
  if (typeof output.Selector !== 'string' || output.Selector.trim() === '') {
    d.error(
      'step-output',
      output.Selector === undefined ? path : [...path, 'Selector'],
      `Output ${name} of step ${node.name} needs a Selector.`,
      'write a JSONPath such as $.DBInstances[0].DBInstanceStatus.',
    )
  } else {
    try {
      parseJsonPath(output.Selector)
    } catch {
      d.warning(
        'selector',
        [...path, 'Selector'],
        `Selector ${output.Selector} uses JSONPath that opsctl's local engine cannot evaluate.`,
        'use .Key, [0], [*], .. and [?(…)] filters only, or run the document with --engine ssm.',
      )
    }
  }
  // No Type is a String, as SSM takes it.
  if (output.Type !== undefined && !(outputTypes as readonly unknown[]).includes(output.Type)) {
    d.error(
      'step-output',
      [...path, 'Type'],
      `Output ${name} of step ${node.name} has the unknown Type ${JSON.stringify(output.Type)}.`,
      `use one of ${outputTypes.join(', ')}, or leave Type out for a String.`,
    )
  }
  for (const field of Object.keys(output)) {
    if (!['Name', 'Selector', 'Type'].includes(field))
      d.warning(
        'unknown-field',
        [...path, field],
        `Unknown field ${field} in an output of step ${node.name}.`,
        'outputs have Name, Selector and Type only.',
        true,
      )
  }
}

/** The action is one of the Automation actions, its inputs are a mapping with what it requires, and the action checks the rest. */
function checkAction(node: StepNode, index: DocumentIndex, d: Diagnostics): void {
  const {step, path} = node
  if (typeof step.action !== 'string') {
    d.error(
      'unknown-action',
      step.action === undefined ? path : [...path, 'action'],
      `Step ${node.name} has no action.`,
      'set action to one of the Automation actions, e.g. aws:executeAwsApi.',
    )
    return
  }
  const spec = actions.get(step.action)
  if (!spec) {
    d.error(
      'unknown-action',
      [...path, 'action'],
      `Step ${node.name} uses ${step.action}, which is not an Automation action.`,
      `${actionReplacements[step.action] ?? d.suggest(step.action, documentedActionNames, 'action')}`,
    )
    return
  }
  if (undocumentedActionNames.has(spec.name))
    d.warning(
      'undocumented-action',
      [...path, 'action'],
      `Step ${node.name} uses ${spec.name}, which is not a documented action; SSM may reject it outside AWS-owned documents.`,
      'keep it only in a copy of the AWS-owned document it comes from, or use a documented action.',
    )
  const inputs = step.inputs
  if (inputs !== undefined && inputs !== null && !isMapping(inputs)) {
    d.error('inputs', [...path, 'inputs'], `inputs of step ${node.name} must be a mapping.`, 'write each input as Name: value.')
    return
  }
  const given = inputs ?? {}
  const inputsPath = [...path, 'inputs']
  checkRequiredInputs(node, spec, given, inputs ? inputsPath : path, d)
  for (const {value, path: inner} of stringsIn(given)) {
    // A loop's inner steps are steps of their own, checked as such.
    if (inner[0] === 'Steps' && spec.name === 'aws:loop') continue
    checkReferences(value, [...inputsPath, ...inner], node, index, d)
  }
  if (spec.noOnCancel && typeof step.onCancel === 'string')
    d.warning(
      'on-cancel',
      [...path, 'onCancel'],
      `${spec.name} does not support onCancel (step ${node.name}): SSM accepts it and never uses it.`,
      `remove onCancel from this step${spec.name === 'aws:loop' ? ', or set it on the steps inside the loop' : ''}.`,
    )
  spec.checkInputs?.(given, inputCheck(node, index, inputsPath, d))
}

const inputAt = (node: StepNode, name: string) => [...node.path, 'inputs', name]

function checkRequiredInputs(node: StepNode, spec: ActionSpec, given: Record<string, unknown>, where: NodePath, d: Diagnostics): void {
  for (const name of spec.requiredInputs) {
    if (!(name in given)) d.error('missing-input', where, `Step ${node.name} (${spec.name}) has no ${name} input.`, `add inputs.${name}.`)
    else if (isEmpty(given[name]))
      d.error(
        'empty-input',
        inputAt(node, name),
        `Input ${name} of step ${node.name} is empty.`,
        `give it a value, for example a parameter reference such as '{{ InstanceId }}'.`,
      )
  }
  for (const group of spec.oneOf ?? []) checkOneOf(node, spec, group, given, where, d)
}

/**
 * Exactly one input of the group. Two given is an error only when both are written out: a reference may be
 * empty when the run starts, as AWS's documents give InstanceIds and Targets each from a parameter, one left empty.
 */
function checkOneOf(node: StepNode, spec: ActionSpec, group: string[], given: Record<string, unknown>, where: NodePath, d: Diagnostics): void {
  const present = group.filter((name) => name in given)
  const filled = present.filter((name) => !isEmpty(given[name]))
  const written = filled.filter((name) => isLiteral(given[name]))
  if (present.length === 0)
    d.error('missing-input', where, `Step ${node.name} (${spec.name}) needs ${group.join(' or ')}.`, `add one of inputs.${group.join(', inputs.')}.`)
  else if (filled.length === 0)
    d.error('empty-input', inputAt(node, present[0]), `Input ${present[0]} of step ${node.name} is empty.`, `give it a value, for example '{{ InstanceId }}'.`)
  else if (written.length > 1)
    d.error(
      'conflicting-inputs',
      inputAt(node, written[1]),
      `Step ${node.name} gives both ${written.join(' and ')}.`,
      `keep only one of ${written.join(', ')}.`,
    )
}

function inputCheck(node: StepNode, index: DocumentIndex, inputsPath: NodePath, d: Diagnostics): InputCheck {
  return {
    step: node.name,
    error: (rule, input, message, fix) => d.error(rule, [...inputsPath, ...input], message, fix),
    condition: (condition, input, isChoice) => checkCondition(condition, [...inputsPath, ...input], node.name, isChoice, d),
    variables: index.variables,
    suggest: (word, candidates, noun) => d.suggest(word, candidates, noun),
  }
}

import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {UsageError} from '../cli/errors.js'
import {actionReplacements, actions} from './actions/index.js'
import {maxLoopIterations} from './actions/loop.js'
import {durationMs} from './actions/sleep.js'
import {comparisonOperators, logicalOperators} from './conditions.js'
import {type LoadedRunbook, loadRunbookFile, type NodePath, type RunbookDocument} from './document.js'
import {isTrue, jumpsFrom, jumpTarget, nextOnSuccess, type StepNode, stepNodes} from './graph.js'
import {parseJsonPath} from './jsonpath.js'
import {outputTypes} from './output-types.js'
import {automationVariables, referencesIn, stringsIn} from './references.js'
import {didYouMean} from './suggest.js'

export interface Diagnostic {
  severity: 'error' | 'warning'
  /** Stable name of the rule, e.g. unknown-action. */
  rule: string
  file: string
  line: number
  column: number
  message: string
  /** How to fix it. */
  fix: string
}

export const formatDiagnostic = (d: Diagnostic) => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} Fix: ${d.fix} [${d.rule}]`

const parameterTypes = ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap']
const awsType = /^(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*|List<AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*>)$/
const topLevelFields = ['schemaVersion', 'description', 'assumeRole', 'parameters', 'variables', 'outputs', 'files', 'mainSteps', 'templatableParameters']
const parameterFields = ['type', 'description', 'default', 'allowedValues', 'allowedPattern', 'displayType', 'minItems', 'maxItems', 'minChars', 'maxChars']
const stepFields = ['name', 'action', 'description', 'inputs', 'outputs', 'maxAttempts', 'timeoutSeconds', 'onFailure', 'onCancel', 'isEnd', 'nextStep', 'isCritical']
const stepName = /^[A-Za-z0-9_-]+$/
const parameterName = /^[A-Za-z0-9_-]+$/

const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a')
const isMapping = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v)
const isEmpty = (v: unknown) => v === null || v === '' || (Array.isArray(v) && (v.length === 0 || v.every((x) => x === '' || x === null)))
const hasReference = (v: unknown) => typeof v === 'string' && v.includes('{{')
const isWholeNumber = (v: unknown, min: number) => (typeof v === 'number' && Number.isInteger(v) && v >= min) || hasReference(v)

/** True when a value fits a parameter type (references are not resolved here, so they always fit). */
export function fitsParameterType(value: unknown, type: string): boolean {
  if (hasReference(value)) return true
  switch (type) {
    case 'String': return typeof value === 'string'
    case 'Integer': return Number.isInteger(value)
    case 'Boolean': return typeof value === 'boolean'
    case 'StringList': return Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)
    case 'StringMap': return isMapping(value)
    case 'MapList': return Array.isArray(value) && value.every(isMapping)
    default: return type.startsWith('List<') ? Array.isArray(value) : typeof value === 'string'
  }
}

/**
 * Checks an Automation document the way SSM would, and more: top level, parameters, every step's
 * fields and inputs, jumps, reachability, loops with no way out and `{{ }}` references.
 */
export function validateRunbook(runbook: LoadedRunbook): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const report = (severity: Diagnostic['severity'], rule: string, path: NodePath, message: string, fix: string, onKey = false) => {
    const {line, column} = onKey ? runbook.keyAt(path) : runbook.at(path)
    diagnostics.push({severity, rule, file: runbook.file, line, column, message, fix})
  }
  const error = (rule: string, path: NodePath, message: string, fix: string, onKey = false) => report('error', rule, path, message, fix, onKey)
  const warning = (rule: string, path: NodePath, message: string, fix: string, onKey = false) => report('warning', rule, path, message, fix, onKey)

  for (const syntax of runbook.syntaxErrors) {
    diagnostics.push({severity: 'error', rule: 'syntax', file: runbook.file, ...syntax.at, message: `The document cannot be parsed: ${syntax.message}.`, fix: 'correct the YAML or JSON syntax at this place.'})
  }
  const doc = runbook.document
  if (!doc) return diagnostics

  checkTopLevel(doc)
  const parameters = checkDeclarations('parameters', doc.parameters)
  const variables = checkDeclarations('variables', doc.variables)
  const nodes = stepNodes(doc)
  const byName = new Map<string, StepNode>()
  for (const node of nodes) {
    if (typeof node.step.name !== 'string') continue
    const first = byName.get(node.name)
    if (first) error('duplicate-step', [...node.path, 'name'], `Step name ${node.name} is used twice (first at line ${runbook.at([...first.path, 'name']).line}).`, 'give every step a unique name.')
    else byName.set(node.name, node)
  }
  const stepNames = [...byName.keys()]
  for (const node of nodes) checkStep(node)
  for (const scope of new Set(nodes.map((n) => n.scope))) checkGraph(scope)
  checkOutputs()
  return diagnostics.sort((a, b) => a.line - b.line || a.column - b.column)

  function checkTopLevel(document: RunbookDocument): void {
    if (document.schemaVersion === undefined) error('schema-version', [], 'The document has no schemaVersion.', "add schemaVersion: '0.3' (the Automation schema).")
    else if (document.schemaVersion === 0.3) warning('schema-version', ['schemaVersion'], 'schemaVersion is the number 0.3, not the string.', "quote it: schemaVersion: '0.3'.")
    else if (document.schemaVersion !== '0.3') error('schema-version', ['schemaVersion'], `schemaVersion ${JSON.stringify(document.schemaVersion)} is not the Automation schema.`, "set schemaVersion: '0.3'; Command documents (2.2) run with aws:runCommand instead.")
    for (const field of ['description', 'assumeRole'] as const) {
      if (document[field] !== undefined && typeof document[field] !== 'string') error('field-type', [field], `${field} must be a string.`, `write ${field} as text${field === 'assumeRole' ? ", usually '{{ AutomationAssumeRole }}'" : ''}.`)
    }
    for (const field of Object.keys(document)) {
      if (!topLevelFields.includes(field)) warning('unknown-field', [field], `Unknown top-level field ${field}.`, `remove it, or ${didYouMean(field, topLevelFields, 'field')}`, true)
    }
    if (!Array.isArray(document.mainSteps) || document.mainSteps.length === 0) {
      error('main-steps', document.mainSteps === undefined ? [] : ['mainSteps'], 'The document has no mainSteps.', 'add a mainSteps list with at least one step.')
    }
    if (document.files !== undefined) {
      if (!isMapping(document.files)) error('files', ['files'], 'files must be a mapping of attachment names to checksums.', 'write files: {script.zip: {checksums: {sha256: <hash>}}}.')
      else {
        for (const [name, file] of Object.entries(document.files)) {
          if (!isMapping(file) || !isMapping(file.checksums) || typeof file.checksums.sha256 !== 'string') {
            error('files', ['files', name], `Attachment ${name} has no checksums.sha256.`, 'add checksums: {sha256: <hex digest of the file>}.')
          }
        }
      }
    }
  }

  function checkDeclarations(section: 'parameters' | 'variables', declared: unknown): Map<string, string> {
    const types = new Map<string, string>()
    if (declared === undefined || declared === null) return types
    if (!isMapping(declared)) {
      error('parameters', [section], `${section} must be a mapping of names to definitions.`, `write ${section}: {Name: {type: String}}.`)
      return types
    }
    for (const [name, definition] of Object.entries(declared)) {
      const path = [section, name]
      if (!parameterName.test(name)) error('parameter-name', path, `${section === 'parameters' ? 'Parameter' : 'Variable'} name "${name}" has characters a {{ }} reference cannot hold.`, 'use letters, digits, _ and - only.', true)
      if (!isMapping(definition)) {
        error('parameter-type', path, `${name} has no definition.`, 'give it at least a type, e.g. type: String.')
        continue
      }
      const type = definition.type
      if (typeof type !== 'string' || !(parameterTypes.includes(type) || awsType.test(type))) {
        error('parameter-type', type === undefined ? path : [...path, 'type'], type === undefined ? `${name} has no type.` : `${name} has the unknown type ${JSON.stringify(type)}.`,
          `use one of ${parameterTypes.join(', ')} or an AWS::* type such as AWS::EC2::Instance::Id${typeof type === 'string' ? ` (${didYouMean(type, parameterTypes, 'type')})` : ''}.`)
        continue
      }
      types.set(name, type)
      for (const field of Object.keys(definition)) {
        if (!parameterFields.includes(field)) warning('unknown-field', [...path, field], `Unknown field ${field} in ${name}.`, `remove it, or ${didYouMean(field, parameterFields, 'field')}`, true)
      }
      const {allowedValues, allowedPattern} = definition
      let pattern: RegExp | undefined
      if (allowedValues !== undefined && (!Array.isArray(allowedValues) || allowedValues.length === 0)) {
        error('allowed-values', [...path, 'allowedValues'], `allowedValues of ${name} must be a non-empty list.`, 'list the values, one per line.')
      }
      if (allowedPattern !== undefined) {
        if (typeof allowedPattern !== 'string') error('allowed-pattern', [...path, 'allowedPattern'], `allowedPattern of ${name} must be a string.`, "quote the regular expression, e.g. '^i-[a-z0-9]{8,17}$'.")
        else {
          try {
            pattern = new RegExp(allowedPattern)
          } catch {
            warning('allowed-pattern', [...path, 'allowedPattern'], `allowedPattern of ${name} is not a JavaScript regular expression, so opsctl cannot check values against it.`, 'SSM may still accept it; simplify it if you want opsctl to check values.')
          }
        }
      }
      if (section === 'variables' && definition.default === undefined) continue
      if (definition.default === undefined) continue
      const value = definition.default
      if (!fitsParameterType(value, type)) {
        error('default-type', [...path, 'default'], `The default of ${name} is not ${article(type)} ${type}.`, `give ${article(type)} ${type} default${type === 'StringList' ? ' (a list)' : ''}, or change the type.`)
      } else if (!hasReference(value)) {
        const items = Array.isArray(value) ? value : [value]
        if (Array.isArray(allowedValues) && items.some((v) => !allowedValues.map(String).includes(String(v)))) {
          error('default-not-allowed', [...path, 'default'], `The default of ${name} (${JSON.stringify(value)}) is not one of its allowedValues.`, `use one of ${allowedValues.map(String).join(', ')}.`)
        }
        if (pattern && items.some((v) => typeof v === 'string' && v !== '' && !pattern.test(v))) {
          error('default-not-allowed', [...path, 'default'], `The default of ${name} (${JSON.stringify(value)}) does not match its allowedPattern ${allowedPattern}.`, 'change the default or the pattern.')
        }
      }
    }
    return types
  }

  function checkStep(node: StepNode): void {
    const {step, path} = node
    if (typeof step.name !== 'string') error('step-name', path, `Step ${node.index + 1} has no name.`, 'give it a name: letters, digits, _ and -.')
    else if (!stepName.test(step.name)) error('step-name', [...path, 'name'], `Step name "${step.name}" has characters SSM does not accept.`, 'use letters, digits, _ and - only.')
    for (const field of Object.keys(step)) {
      if (!stepFields.includes(field)) warning('unknown-field', [...path, field], `Unknown field ${field} in step ${node.name}.`, `remove it, or ${didYouMean(field, stepFields, 'field')}`, true)
    }
    if (step.description !== undefined && typeof step.description !== 'string') error('field-type', [...path, 'description'], `description of step ${node.name} must be a string.`, 'write it as text.')
    for (const field of ['maxAttempts', 'timeoutSeconds'] as const) {
      if (step[field] !== undefined && !isWholeNumber(step[field], 1)) error('field-type', [...path, field], `${field} of step ${node.name} must be a whole number of at least 1.`, `write e.g. ${field}: ${field === 'maxAttempts' ? 3 : 600}.`)
    }
    for (const field of ['isEnd', 'isCritical'] as const) {
      if (step[field] !== undefined && typeof step[field] !== 'boolean' && step[field] !== 'true' && step[field] !== 'false') error('field-type', [...path, field], `${field} of step ${node.name} must be true or false.`, `write ${field}: true or ${field}: false.`)
    }
    for (const field of ['onFailure', 'onCancel'] as const) {
      const value = step[field]
      if (value === undefined) continue
      if (value !== 'Abort' && value !== 'Continue' && !jumpTarget(value)) {
        error('on-failure', [...path, field], `${field} of step ${node.name} is ${JSON.stringify(value)}.`, `use Abort, Continue or step:<name of a step>.`)
      }
    }
    if (step.nextStep !== undefined && typeof step.nextStep !== 'string') error('field-type', [...path, 'nextStep'], `nextStep of step ${node.name} must be a step name.`, `name one of the steps: ${stepNames.slice(0, 8).join(', ')}.`)
    if (isTrue(step.isEnd) && step.nextStep !== undefined) warning('is-end', [...path, 'nextStep'], `Step ${node.name} has isEnd: true, so its nextStep is never used.`, 'remove nextStep or isEnd.')
    for (const jump of jumpsFrom(node)) {
      if (!byName.has(jump.target)) {
        error('unknown-step', jump.path, `Step ${node.name} jumps to ${jump.target}, which is not a step of this document.`, `${didYouMean(jump.target, stepNames, 'step')}`)
      }
    }
    checkOutputDeclarations(node)
    checkAction(node)
  }

  function checkOutputDeclarations(node: StepNode): void {
    const outputs = node.step.outputs
    if (outputs === undefined) return
    if (!Array.isArray(outputs)) {
      error('step-output', [...node.path, 'outputs'], `outputs of step ${node.name} must be a list.`, 'write each output as - Name: X, Selector: $.Path, Type: String.')
      return
    }
    outputs.forEach((output, i) => {
      const path = [...node.path, 'outputs', i]
      if (!isMapping(output)) return error('step-output', path, `Output ${i + 1} of step ${node.name} is not a mapping.`, 'write it as Name, Selector and Type.')
      if (typeof output.Name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(output.Name)) error('step-output', output.Name === undefined ? path : [...path, 'Name'], `Output ${i + 1} of step ${node.name} has no valid Name.`, 'give it a Name of letters, digits and _.')
      if (typeof output.Selector !== 'string' || !output.Selector.startsWith('$')) {
        error('step-output', output.Selector === undefined ? path : [...path, 'Selector'], `Output ${String(output.Name ?? i + 1)} of step ${node.name} needs a Selector starting with $.`, 'write a JSONPath such as $.DBInstances[0].DBInstanceStatus.')
      } else {
        try {
          parseJsonPath(output.Selector)
        } catch {
          warning('selector', [...path, 'Selector'], `Selector ${output.Selector} uses JSONPath that opsctl's local engine cannot evaluate.`, 'use .Key, [0], [*] and .. only, or run the document with --engine ssm.')
        }
      }
      if (typeof output.Type !== 'string' || !(outputTypes as readonly string[]).includes(output.Type)) {
        error('step-output', output.Type === undefined ? path : [...path, 'Type'], `Output ${String(output.Name ?? i + 1)} of step ${node.name} has no valid Type.`, `use one of ${outputTypes.join(', ')}.`)
      }
      for (const field of Object.keys(output)) {
        if (!['Name', 'Selector', 'Type'].includes(field)) warning('unknown-field', [...path, field], `Unknown field ${field} in an output of step ${node.name}.`, 'outputs have Name, Selector and Type only.', true)
      }
    })
  }

  function checkAction(node: StepNode): void {
    const {step, path} = node
    if (typeof step.action !== 'string') {
      error('unknown-action', step.action === undefined ? path : [...path, 'action'], `Step ${node.name} has no action.`, 'set action to one of the Automation actions, e.g. aws:executeAwsApi.')
      return
    }
    const spec = actions.get(step.action)
    if (!spec) {
      error('unknown-action', [...path, 'action'], `Step ${node.name} uses ${step.action}, which is not an Automation action.`,
        `${actionReplacements[step.action] ?? didYouMean(step.action, [...actions.keys()], 'action')}`)
      return
    }
    const inputs = step.inputs
    if (inputs !== undefined && inputs !== null && !isMapping(inputs)) {
      error('inputs', [...path, 'inputs'], `inputs of step ${node.name} must be a mapping.`, 'write each input as Name: value.')
      return
    }
    const given = inputs ?? {}
    const inputsPath = [...path, 'inputs']
    for (const name of spec.requiredInputs) {
      if (!(name in given)) error('missing-input', inputs ? inputsPath : path, `Step ${node.name} (${spec.name}) has no ${name} input.`, `add inputs.${name}.`)
      else if (isEmpty(given[name])) error('empty-input', [...inputsPath, name], `Input ${name} of step ${node.name} is empty.`, `give it a value, for example a parameter reference such as '{{ InstanceId }}'.`)
    }
    for (const group of spec.oneOf ?? []) {
      const present = group.filter((name) => name in given)
      if (present.length === 0 && (spec.requiredInputs.length > 0 || group.length > 0)) error('missing-input', inputs ? inputsPath : path, `Step ${node.name} (${spec.name}) needs ${group.join(' or ')}.`, `add one of inputs.${group.join(', inputs.')}.`)
      else if (present.length > 1) error('conflicting-inputs', [...inputsPath, present[1]], `Step ${node.name} gives both ${present.join(' and ')}.`, `keep only one of ${present.join(', ')}.`)
      else if (present.length === 1 && isEmpty(given[present[0]])) error('empty-input', [...inputsPath, present[0]], `Input ${present[0]} of step ${node.name} is empty.`, `give it a value, for example '{{ InstanceId }}'.`)
    }
    for (const {value, path: inner} of stringsIn(given)) {
      if (inner[0] === 'Steps' && spec.name === 'aws:loop') continue
      checkReferences(value, [...inputsPath, ...inner], node)
    }
    if (typeof step.onCancel === 'string' && (spec.name === 'aws:loop' || spec.name === 'aws:updateVariable')) {
      error('on-failure', [...path, 'onCancel'], `${spec.name} does not support onCancel (step ${node.name}).`, 'remove onCancel from this step.')
    }
    checkActionInputs(node, spec.name, given, inputsPath)
  }

  function checkActionInputs(node: StepNode, action: string, inputs: Record<string, unknown>, path: NodePath): void {
    const literal = (v: unknown) => v !== undefined && !hasReference(v)
    switch (action) {
      case 'aws:branch': {
        const choices = inputs.Choices
        if (!Array.isArray(choices) || choices.length === 0) {
          if (choices !== undefined && !isEmpty(choices)) error('branch', [...path, 'Choices'], `Choices of step ${node.name} must be a list.`, 'list each choice with NextStep, Variable and an operator.')
          break
        }
        choices.forEach((choice, i) => {
          const choicePath = [...path, 'Choices', i]
          if (!isMapping(choice)) return error('branch', choicePath, `Choice ${i + 1} of step ${node.name} is not a mapping.`, 'write NextStep, Variable and an operator such as StringEquals.')
          if (typeof choice.NextStep !== 'string') error('branch', choicePath, `Choice ${i + 1} of step ${node.name} has no NextStep.`, 'add NextStep: <step name>.')
          checkCondition(choice, choicePath, node, true)
        })
        break
      }
      case 'aws:loop': {
        if (inputs.Steps !== undefined && (!Array.isArray(inputs.Steps) || inputs.Steps.length === 0)) error('loop', [...path, 'Steps'], `Steps of loop ${node.name} must be a non-empty list of steps.`, 'list the steps to repeat.')
        if (inputs.MaxIterations !== undefined && (!isWholeNumber(inputs.MaxIterations, 1) || Number(inputs.MaxIterations) > maxLoopIterations)) {
          error('loop', [...path, 'MaxIterations'], `MaxIterations of loop ${node.name} must be between 1 and ${maxLoopIterations}.`, `lower it to at most ${maxLoopIterations}.`)
        }
        if (isMapping(inputs.LoopCondition)) checkCondition(inputs.LoopCondition, [...path, 'LoopCondition'], node, false)
        else if (inputs.LoopCondition !== undefined) error('loop', [...path, 'LoopCondition'], `LoopCondition of loop ${node.name} must be a condition.`, 'write Variable and an operator, e.g. BooleanEquals: true.')
        if (inputs.IteratorDataType !== undefined && !['Boolean', 'Integer', 'String', 'StringMap'].includes(String(inputs.IteratorDataType))) {
          error('loop', [...path, 'IteratorDataType'], `IteratorDataType of loop ${node.name} is ${JSON.stringify(inputs.IteratorDataType)}.`, 'use Boolean, Integer, String or StringMap.')
        }
        break
      }
      case 'aws:sleep':
        if (literal(inputs.Duration)) {
          try {
            durationMs(String(inputs.Duration))
          } catch (e) {
            error('duration', [...path, 'Duration'], (e as Error).message.replace(/;.*$/, '.'), 'write it like PT10S, PT5M or PT1H.')
          }
        }
        if (literal(inputs.Timestamp) && Number.isNaN(Date.parse(String(inputs.Timestamp)))) error('duration', [...path, 'Timestamp'], `Timestamp of step ${node.name} is not an ISO 8601 time.`, 'write it like 2026-01-01T12:00:00Z.')
        break
      case 'aws:updateVariable': {
        const name = /^variable:([A-Za-z0-9_-]+)$/.exec(String(inputs.Name ?? ''))?.[1]
        if (inputs.Name !== undefined && !name) error('update-variable', [...path, 'Name'], `Name of step ${node.name} must look like variable:<name>.`, 'write Name: variable:MyVariable.')
        else if (name && !variables.has(name)) error('unknown-reference', [...path, 'Name'], `Step ${node.name} updates variable ${name}, which is not declared.`, `declare it under variables, or ${didYouMean(name, [...variables.keys()], 'variable')}`)
        break
      }
      case 'aws:executeAwsApi':
      case 'aws:waitForAwsResourceProperty':
      case 'aws:assertAwsResourceProperty':
        if (literal(inputs.Service) && !/^[a-z0-9-]+$/.test(String(inputs.Service))) error('service', [...path, 'Service'], `Service "${inputs.Service}" of step ${node.name} is not a service namespace.`, 'use the lowercase namespace, e.g. ec2, rds, ssm, kms.')
        if (inputs.PropertySelector !== undefined && !String(inputs.PropertySelector).startsWith('$')) error('selector', [...path, 'PropertySelector'], `PropertySelector of step ${node.name} must be a JSONPath starting with $.`, 'write e.g. $.DBInstances[0].DBInstanceStatus.')
        if (inputs.DesiredValues !== undefined && !Array.isArray(inputs.DesiredValues) && !hasReference(inputs.DesiredValues)) error('desired-values', [...path, 'DesiredValues'], `DesiredValues of step ${node.name} must be a list.`, 'list the values, e.g. - available.')
        break
      case 'aws:changeInstanceState':
        if (literal(inputs.DesiredState) && !['running', 'stopped', 'terminated'].includes(String(inputs.DesiredState))) error('desired-state', [...path, 'DesiredState'], `DesiredState of step ${node.name} is ${JSON.stringify(inputs.DesiredState)}.`, 'use running, stopped or terminated.')
        break
      case 'aws:createTags':
        if (literal(inputs.ResourceType) && !['EC2', 'ManagedInstance', 'MaintenanceWindow', 'Parameter'].includes(String(inputs.ResourceType))) error('resource-type', [...path, 'ResourceType'], `ResourceType of step ${node.name} is ${JSON.stringify(inputs.ResourceType)}.`, 'use EC2, ManagedInstance, MaintenanceWindow or Parameter.')
        if (Array.isArray(inputs.Tags) && inputs.Tags.some((t) => !isMapping(t) || t.Key === undefined || t.Value === undefined)) error('tags', [...path, 'Tags'], `Every tag of step ${node.name} needs Key and Value.`, 'write each tag as - Key: k, Value: v.')
        break
    }
  }

  function checkCondition(condition: Record<string, unknown>, path: NodePath, node: StepNode, isChoice: boolean): void {
    const keys = Object.keys(condition).filter((k) => !(isChoice && k === 'NextStep'))
    const logical = keys.filter((k) => (logicalOperators as readonly string[]).includes(k))
    if (logical.length > 0) {
      for (const op of logical) {
        const value = condition[op]
        const inner = op === 'Not' ? (Array.isArray(value) ? value : [value]) : value
        if (!Array.isArray(inner) || inner.length === 0 || (op === 'Not' && inner.length !== 1)) {
          error('condition', [...path, op], `${op} in step ${node.name} needs ${op === 'Not' ? 'one condition' : 'a list of conditions'}.`, `write ${op}: ${op === 'Not' ? 'Variable and an operator' : '- a list of Variable and operator pairs'}.`)
          continue
        }
        inner.forEach((c, i) => (isMapping(c) ? checkCondition(c, op === 'Not' && !Array.isArray(value) ? [...path, op] : [...path, op, i], node, false)
          : error('condition', [...path, op, i], `A condition under ${op} in step ${node.name} is not a mapping.`, 'write Variable and an operator.')))
      }
      return
    }
    const operators = keys.filter((k) => k in comparisonOperators)
    if (condition.Variable === undefined) error('condition', path, `A condition in step ${node.name} has no Variable.`, "add Variable: '{{ step.Output }}' or a parameter reference.")
    if (operators.length !== 1) {
      error('condition', path, `A condition in step ${node.name} has ${operators.length === 0 ? 'no' : 'more than one'} operator.`, `use exactly one of ${Object.keys(comparisonOperators).join(', ')}, or And, Or, Not.`)
    }
    for (const key of keys) {
      if (key !== 'Variable' && !(key in comparisonOperators)) {
        error('condition', [...path, key], `Unknown operator ${key} in step ${node.name}.`, `${didYouMean(key, [...Object.keys(comparisonOperators), ...logicalOperators], 'operator')}`, true)
      }
    }
  }

  function checkReferences(value: string, path: NodePath, from?: StepNode): void {
    for (const reference of referencesIn(value)) {
      const where = from ? `step ${from.name}` : 'the document'
      switch (reference.kind) {
        case 'parameter':
          if (!parameters.has(reference.name)) error('unknown-reference', path, `{{ ${reference.text} }} in ${where} names no parameter.`, `declare ${reference.name} under parameters, or ${didYouMean(reference.name, [...parameters.keys()], 'parameter')}`)
          break
        case 'variable':
          if (!variables.has(reference.name)) error('unknown-reference', path, `{{ ${reference.text} }} in ${where} names no variable.`, `declare ${reference.name} under variables, or ${didYouMean(reference.name, [...variables.keys()], 'variable')}`)
          break
        case 'automation':
          if (!(automationVariables as readonly string[]).includes(reference.name)) error('unknown-reference', path, `{{ ${reference.text} }} is not an automation variable.`, `${didYouMean(reference.name, [...automationVariables], 'automation variable')}`)
          break
        case 'output': {
          const target = byName.get(reference.step)
          if (!target) {
            error('unknown-reference', path, `{{ ${reference.text} }} in ${where} names no step ${reference.step}.`, `${didYouMean(reference.step, stepNames, 'step')}`)
            break
          }
          const known = outputsOf(target)
          const output = reference.output.split('.')[0]
          if (known && !known.includes(output)) {
            error('unknown-reference', path, `Step ${reference.step} has no output ${output} (referenced as {{ ${reference.text} }}).`, known.length > 0 ? `${didYouMean(output, known, 'output')}` : `declare it in the outputs of step ${reference.step} with Name, Selector and Type.`)
          }
          break
        }
        case 'parameter-store':
          break
      }
    }
  }

  /** undefined when the step's action is unknown (already reported). */
  function outputsOf(node: StepNode): string[] | undefined {
    const spec = typeof node.step.action === 'string' ? actions.get(node.step.action) : undefined
    if (!spec) return undefined
    const declared = Array.isArray(node.step.outputs) ? node.step.outputs.filter(isMapping).map((o) => String(o.Name)) : []
    return [...declared, ...spec.builtinOutputs]
  }

  function checkGraph(scope: StepNode[]): void {
    if (scope.length === 0) return
    const inScope = new Map(scope.map((n) => [n.name, n]))
    const reached = new Set<string>([scope[0].name])
    const queue = [scope[0]]
    while (queue.length > 0) {
      for (const jump of jumpsFrom(queue.shift()!)) {
        const target = inScope.get(jump.target)
        if (target && !reached.has(target.name)) {
          reached.add(target.name)
          queue.push(target)
        }
      }
    }
    for (const node of scope) {
      if (!reached.has(node.name)) warning('unreachable-step', [...node.path, 'name'], `Step ${node.name} can never run: no step leads to it.`, `remove it, or reach it with nextStep, a branch choice or onFailure: step:${node.name}.`)
    }
    // A way out on the success path: the run ends (isEnd, last step, a jump out of the loop) or a branch may fall through.
    const exits = new Set<string>()
    const successors = (node: StepNode): string[] | 'exit' => {
      if (node.step.action === 'aws:branch') {
        const targets = jumpsFrom(node).filter((j) => j.kind === 'choice' || j.kind === 'default').map((j) => j.target)
        return node.step.inputs?.Default === undefined || targets.some((t) => !inScope.has(t)) ? 'exit' : targets
      }
      const next = nextOnSuccess(node)
      return next === undefined || !inScope.has(next) ? 'exit' : [next]
    }
    let changed = true
    while (changed) {
      changed = false
      for (const node of scope) {
        if (exits.has(node.name)) continue
        const next = successors(node)
        if (next === 'exit' || next.some((t) => exits.has(t))) {
          exits.add(node.name)
          changed = true
        }
      }
    }
    const trapped = scope.filter((n) => reached.has(n.name) && !exits.has(n.name))
    if (trapped.length > 0) {
      error('endless-loop', [...trapped[0].path, 'name'], `Steps ${trapped.map((n) => n.name).join(', ')} loop with no way out: once there, the run never ends.`,
        'add a branch choice or Default that leaves the loop, set isEnd: true on a step, or use aws:loop with MaxIterations.')
    }
  }

  function checkOutputs(): void {
    if (typeof doc!.assumeRole === 'string') checkReferences(doc!.assumeRole, ['assumeRole'])
    const outputs = doc!.outputs
    if (outputs === undefined) return
    if (!Array.isArray(outputs)) {
      error('document-output', ['outputs'], 'outputs must be a list of step outputs.', 'write each as - StepName.OutputName.')
      return
    }
    outputs.forEach((output, i) => {
      const match = typeof output === 'string' ? /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+)$/.exec(output) : null
      if (!match) error('document-output', ['outputs', i], `Document output ${JSON.stringify(output)} is not StepName.OutputName.`, 'write it as StepName.OutputName, without {{ }}.')
      else checkReferences(`{{ ${output} }}`, ['outputs', i])
    })
  }
}

/** The documents named by files and directories (.yaml, .yml, .json inside directories). */
export async function runbookFiles(paths: string[]): Promise<string[]> {
  const files: string[] = []
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new UsageError(`No file or directory ${path}; pass runbook files or a directory of them.`, 'NotFound')
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => /\.(ya?ml|json)$/.test(n)).sort()
      files.push(...names.map((n) => join(path, n)))
    } else files.push(path)
  }
  if (files.length === 0) throw new UsageError(`No .yaml, .yml or .json documents in ${paths.join(', ')}.`, 'NotFound')
  return files
}

export interface ValidationResult {
  file: string
  valid: boolean
  diagnostics: Diagnostic[]
}

export async function validateFiles(paths: string[]): Promise<ValidationResult[]> {
  return Promise.all((await runbookFiles(paths)).map(async (file) => {
    const diagnostics = validateRunbook(await loadRunbookFile(file))
    return {file, valid: !diagnostics.some((d) => d.severity === 'error'), diagnostics}
  }))
}

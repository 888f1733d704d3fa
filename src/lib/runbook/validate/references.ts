import type {NodePath} from '../document.js'
import type {StepNode} from '../graph.js'
import {automationVariables, referencesIn} from '../references.js'
import type {Diagnostics} from './diagnostics.js'
import type {DocumentIndex} from './document-index.js'

/** Every `{{ }}` in a string names a declared parameter or variable, an automation variable or an output of a step. */
export function checkReferences(value: string, path: NodePath, from: StepNode | undefined, index: DocumentIndex, d: Diagnostics): void {
  const where = from ? `step ${from.name}` : 'the document'
  for (const reference of referencesIn(value)) {
    switch (reference.kind) {
      case 'parameter':
        if (!index.parameters.has(reference.name))
          d.error(
            'unknown-reference',
            path,
            `{{ ${reference.text} }} in ${where} names no parameter.`,
            `declare ${reference.name} under parameters, or ${d.suggest(reference.name, [...index.parameters.keys()], 'parameter')}`,
          )
        break
      case 'variable':
        if (!index.variables.has(reference.name))
          d.error(
            'unknown-reference',
            path,
            `{{ ${reference.text} }} in ${where} names no variable.`,
            `declare ${reference.name} under variables, or ${d.suggest(reference.name, [...index.variables.keys()], 'variable')}`,
          )
        break
      case 'automation':
        if (!(automationVariables as readonly string[]).includes(reference.name))
          d.error(
            'unknown-reference',
            path,
            `{{ ${reference.text} }} is not an automation variable.`,
            `${d.suggest(reference.name, automationVariables, 'automation variable')}`,
          )
        break
      case 'output':
        checkOutputReference(reference, path, where, index, d)
        break
      case 'parameter-store':
        break
    }
  }
}

function checkOutputReference(
  reference: {step: string; output: string; text: string},
  path: NodePath,
  where: string,
  index: DocumentIndex,
  d: Diagnostics,
): void {
  const target = index.steps.get(reference.step)
  if (!target) {
    d.error(
      'unknown-reference',
      path,
      `{{ ${reference.text} }} in ${where} names no step ${reference.step}.`,
      `${d.suggest(reference.step, index.stepNames, 'step')}`,
    )
    return
  }
  const known = index.outputsOf(target)
  const output = reference.output.split('.')[0]
  if (known && !known.includes(output)) {
    d.error(
      'unknown-reference',
      path,
      `Step ${reference.step} has no output ${output} (referenced as {{ ${reference.text} }}).`,
      known.length > 0 ? `${d.suggest(output, known, 'output')}` : `declare it in the outputs of step ${reference.step} with Name, Selector and Type.`,
    )
  }
}

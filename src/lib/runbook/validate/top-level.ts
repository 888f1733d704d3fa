import type {RunbookDocument} from '../document.js'
import type {Diagnostics} from './diagnostics.js'
import type {DocumentIndex} from './document-index.js'
import {checkReferences} from './references.js'
import {isMapping} from './values.js'

const topLevelFields = ['schemaVersion', 'description', 'assumeRole', 'parameters', 'variables', 'outputs', 'files', 'mainSteps', 'templatableParameters']

/** What SSM accepts as the content of an Automation document. */
const SSM_CONTENT_BYTES = 64 * 1024

/** schemaVersion, the fields beside mainSteps, the attachments, and the size SSM accepts. */
export function checkTopLevel(document: RunbookDocument, bytes: number, d: Diagnostics): void {
  if (document.schemaVersion === undefined)
    d.error('schema-version', [], 'The document has no schemaVersion.', "add schemaVersion: '0.3' (the Automation schema).")
  else if (document.schemaVersion === 0.3)
    d.warning('schema-version', ['schemaVersion'], 'schemaVersion is the number 0.3, not the string.', "quote it: schemaVersion: '0.3'.")
  else if (document.schemaVersion !== '0.3')
    d.error(
      'schema-version',
      ['schemaVersion'],
      `schemaVersion ${JSON.stringify(document.schemaVersion)} is not the Automation schema.`,
      "set schemaVersion: '0.3'; Command documents (2.2) run with aws:runCommand instead.",
    )
  for (const field of ['description', 'assumeRole'] as const) {
    if (document[field] !== undefined && typeof document[field] !== 'string')
      d.error(
        'field-type',
        [field],
        `${field} must be a string.`,
        `write ${field} as text${field === 'assumeRole' ? ", usually '{{ AutomationAssumeRole }}'" : ''}.`,
      )
  }
  for (const field of Object.keys(document)) {
    if (!topLevelFields.includes(field))
      d.warning('unknown-field', [field], `Unknown top-level field ${field}.`, `remove it, or ${d.suggest(field, topLevelFields, 'field')}`, true)
  }
  if (!Array.isArray(document.mainSteps) || document.mainSteps.length === 0) {
    d.error(
      'main-steps',
      document.mainSteps === undefined ? [] : ['mainSteps'],
      'The document has no mainSteps.',
      'add a mainSteps list with at least one step.',
    )
  }
  if (document.files !== undefined) checkFiles(document.files, d)
  if (bytes > SSM_CONTENT_BYTES) {
    d.warnAboutFile(
      'document-size',
      `The document is ${Math.ceil(bytes / 1024)} KB, more than the 64 KB SSM accepts as the content of an Automation document.`,
      'split it into documents that call each other with aws:executeAutomation.',
    )
  }
}

/**
 * files: attachment names to their checksums (and, in AWS's own documents, their size). The attachments themselves are
 * not in the document, so a checksum SSM could compare is all there is to check, and a missing one only a warning.
 */
function checkFiles(files: unknown, d: Diagnostics): void {
  if (!isMapping(files)) {
    d.error('files', ['files'], 'files must be a mapping of attachment names to checksums.', 'write files: {script.zip: {checksums: {sha256: <hash>}}}.')
    return
  }
  for (const [name, file] of Object.entries(files)) {
    if (!isMapping(file)) {
      d.error('files', ['files', name], `Attachment ${name} is not a mapping.`, 'write it as checksums: {sha256: <hex digest of the file>}.')
      continue
    }
    const checksums = isMapping(file.checksums) ? file.checksums : {}
    if (!Object.entries(checksums).some(([algorithm, hash]) => algorithm.toLowerCase() === 'sha256' && typeof hash === 'string'))
      d.warning(
        'files',
        ['files', name],
        `Attachment ${name} has no checksums.sha256, so nothing shows that the file attached is the one meant.`,
        'add checksums: {sha256: <hex digest of the file>}.',
      )
  }
}

/** assumeRole's references, and the document's outputs: each StepName.OutputName of a step that has it. */
export function checkDocumentOutputs(document: RunbookDocument, index: DocumentIndex, d: Diagnostics): void {
  if (typeof document.assumeRole === 'string') checkReferences(document.assumeRole, ['assumeRole'], undefined, index, d)
  const outputs = document.outputs
  if (outputs === undefined) return
  if (!Array.isArray(outputs)) {
    d.error('document-output', ['outputs'], 'outputs must be a list of step outputs.', 'write each as - StepName.OutputName.')
    return
  }
  outputs.forEach((output, i) => {
    const match = typeof output === 'string' ? /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+)$/.exec(output) : null
    if (!match)
      d.error(
        'document-output',
        ['outputs', i],
        `Document output ${JSON.stringify(output)} is not StepName.OutputName.`,
        'write it as StepName.OutputName, without {{ }}.',
      )
    else checkReferences(`{{ ${output} }}`, ['outputs', i], undefined, index, d)
  })
}

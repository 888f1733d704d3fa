import {existsSync} from 'node:fs'
import {basename, dirname, extname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {UsageError} from '../errors/errors.js'
import {actions} from './actions/index.js'
import {resolveAwsApi} from './aws-api.js'
import {type LoadedRunbook, loadRunbookFile} from './document.js'
import {stepNodes} from './graph.js'
import {formatDiagnostic, validateRunbook} from './validate.js'

/** A document's name: its file name without the extension, e.g. opsctl-RestoreTest (also its SSM name). */
export const documentNameOf = (file: string) => basename(file, extname(file))

/** The documents shipped with opsctl (runbooks/ beside dist/ and src/). */
export const shippedRunbooksDir = fileURLToPath(new URL('../../../runbooks/', import.meta.url))

/** aws:approve and aws:pause wait for a person's answer. */
export const asksAPerson = (action: string) => action === 'aws:approve' || action === 'aws:pause'

/** Finds `<name>.yaml|.yml|.json` in the directories; undefined when none has it. */
export function findDocument(name: string, dirs: string[]): string | undefined {
  for (const dir of dirs) {
    for (const ext of ['.yaml', '.yml', '.json']) {
      const file = join(dir, `${name}${ext}`)
      if (existsSync(file)) return file
    }
  }
  return undefined
}

/**
 * Refuses, before anything runs, a document the local engine cannot run completely: an action only SSM
 * runs, a Service without an installed SDK client, a nested document that is not in runbooks/, or an
 * approval nobody can give (no terminal to ask on and no --approve): better refused than stopped half-way.
 */
export async function assertRunnableLocally(runbook: LoadedRunbook, dirs: string[], options: {canApprove: boolean}, seen = new Set<string>()): Promise<void> {
  seen.add(runbook.file)
  for (const node of stepNodes(runbook.document!)) {
    const spec = actions.get(String(node.step.action))!
    const where = `${runbook.file}:${runbook.at([...node.path, 'action']).line}`
    if (!spec.run)
      throw new UsageError(`Step ${node.name} (${where}) uses ${spec.name}, which the local engine cannot run; run it with --engine ssm.`, 'NotRunnableLocally')
    if (!options.canApprove && asksAPerson(spec.name)) {
      throw new UsageError(
        `Step ${node.name} (${where}) waits for an approval and there is no terminal to ask on; pass --approve to approve it. Nothing was run.`,
        'ConfirmationRequired',
      )
    }
    const inputs = (node.step.inputs ?? {}) as Record<string, unknown>
    const literal = (v: unknown): v is string => typeof v === 'string' && !v.includes('{{')
    if (literal(inputs.Service) && literal(inputs.Api)) await resolveAwsApi(inputs.Service, inputs.Api)
    if (spec.name === 'aws:executeAutomation' && literal(inputs.DocumentName)) {
      const file = findDocument(inputs.DocumentName, [dirname(runbook.file), ...dirs])
      if (!file)
        throw new UsageError(
          `Step ${node.name} (${where}) runs document ${inputs.DocumentName}, which is not in ${[dirname(runbook.file), ...dirs].join(' or ')}; add it there or run with --engine ssm.`,
          'UnknownDocument',
        )
      if (!seen.has(file)) await assertRunnableLocally(await loadValidRunbook(file), dirs, options, seen)
    }
  }
}

/** Loads a document and refuses it (exit 2, every error with file:line:column) unless it is valid. */
export async function loadValidRunbook(file: string): Promise<LoadedRunbook> {
  const runbook = await loadRunbookFile(file).catch((error) => {
    throw new UsageError(`Cannot read runbook ${file}: ${(error as Error).message}.`, 'NotFound')
  })
  const errors = validateRunbook(runbook).filter((d) => d.severity === 'error')
  if (errors.length > 0) {
    throw new UsageError(`Runbook ${file} is not valid; nothing was run:\n${errors.map(formatDiagnostic).join('\n')}`, 'InvalidRunbook')
  }
  return runbook
}

import {join} from 'node:path'

import {OpsctlError} from '../errors/errors.js'
import {type LoadedRunbook, loadRunbookFile} from '../runbook/document.js'
import {shippedRunbooksDir} from '../runbook/load.js'
import {interpolate, type Reference} from '../runbook/references.js'

/*
 * The procedure of a PostgreSQL patch, as the shipped runbook opsctl-PatchPostgreSQL writes it: `patch run --engine
 * local` sends the runbook's own shell commands (one SendCommand for a wave of instances), so the runbook that SSM runs
 * and the waves opsctl drives are one procedure, written once.
 */

export const PATCH_RUNBOOK = 'opsctl-PatchPostgreSQL'

/** The runbook's Run Command steps the local engine sends, in the order it sends them. */
export type ShellStep =
  | 'stopPostgreSQL'
  | 'startPostgreSQLAgain'
  | 'upgradePostgreSQL'
  | 'startPostgreSQL'
  | 'verifyVersion'
  | 'rollbackStopPostgreSQL'
  | 'rollbackStartPostgreSQL'
  | 'verifyRunning'

/** What the commands refer to: the runbook's parameters, and the outputs of its API steps (per instance). */
export type ProcedureValues = Record<string, string>

export interface ShellCommand {
  step: ShellStep
  commands: string[]
  timeoutSeconds: number
  /** True when a command refers to one instance's values (its data volume): it is sent to that instance alone. */
  perInstance: boolean
}

export class PatchProcedure {
  private constructor(
    /** The runbook as shipped: what `--engine ssm` publishes. */
    readonly runbook: LoadedRunbook,
    private readonly steps: Map<string, {commands: string[]; timeoutSeconds: number}>,
  ) {}

  /** Reads the shipped runbook once. */
  static async load(file = join(shippedRunbooksDir, `${PATCH_RUNBOOK}.yaml`)): Promise<PatchProcedure> {
    const runbook = await loadRunbookFile(file)
    const steps = new Map<string, {commands: string[]; timeoutSeconds: number}>()
    for (const step of runbook.document?.mainSteps ?? []) {
      const commands = (step.inputs?.Parameters as {commands?: unknown} | undefined)?.commands
      if (step.action === 'aws:runCommand' && Array.isArray(commands))
        steps.set(String(step.name), {commands: commands.map(String), timeoutSeconds: Number(step.timeoutSeconds ?? 600)})
    }
    return new PatchProcedure(runbook, steps)
  }

  /** A step's commands with the values filled in; a reference to anything else is a defect of the runbook or of opsctl. */
  command(step: ShellStep, values: ProcedureValues): ShellCommand {
    const found = this.steps.get(step)
    if (!found) throw new OpsctlError(`The runbook ${PATCH_RUNBOOK} has no Run Command step ${step}; reinstall opsctl.`)
    let perInstance = false
    const resolve = (reference: Reference) => {
      const name = reference.kind === 'output' ? `${reference.step}.${reference.output}` : reference.kind === 'parameter' ? reference.name : ''
      if (!(name in values))
        throw new OpsctlError(`Step ${step} of the runbook ${PATCH_RUNBOOK} refers to {{ ${reference.text} }}, which the local engine does not know.`)
      if (reference.kind === 'output' || name === 'InstanceId') perInstance = true
      return values[name]
    }
    const commands = found.commands.map((line) => String(interpolate(line, resolve)))
    return {step, commands, timeoutSeconds: found.timeoutSeconds, perInstance}
  }
}

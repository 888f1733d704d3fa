import {type Command, Flags, type Interfaces} from '@oclif/core'

import type {AwsSession} from '../aws/session.js'
import {newRunId, readJournal} from '../engine/journal.js'
import type {RunReporter} from '../engine/reporter.js'
import {runWorkflow} from '../engine/runner.js'
import type {RunRecord, Workflow} from '../engine/types.js'
import {ObjectiveMissedError, OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {type ReportFiles, reporterFor, writeReports} from '../report/index.js'
import type {RtoTrend} from '../report/trend.js'
import {BaseCommand} from './base-command.js'
import {type Confirmation, canPrompt, confirmChange} from './confirm.js'
import {reportFileFlag} from './flags.js'

/** What the end of a run tells people, beyond its record; R is what a successful run produced. */
interface RunTelling<R extends object = Record<string, unknown>> {
  /** Lines that tell people what a completed run produced (printed unless --json, also when the objective was missed). */
  describe?(outcome: R, record: RunRecord): string[]
  /** The RTO of the target's runs from the journals, this one included: charted in the Markdown summary. */
  rtoTrend?(): Promise<RtoTrend>
}

export interface WorkflowRun<C, R extends object> extends RunTelling<R> {
  workflow: Workflow<C, R>
  /** As the user gave them; recorded in the journal and compared on --resume. */
  parameters: Record<string, unknown>
  secrets?: string[]
  context(session: AwsSession): C | Promise<C>
  undoOnFailure?: boolean
  /**
   * A disruptive change asks first, after the read-only checks and before the first change: on a
   * terminal it prompts (`yes` answers for the user); with no terminal and no `yes` it refuses before
   * anything runs (exit 2).
   */
  confirm?: Confirmation & {yes: boolean}
}

/** What every driver gets to start a run with: the session, the run id, the reporter and, for the linear runner, resume and dry run. */
export interface RunStart {
  session: AwsSession
  runId: string
  reporter: RunReporter
  resume?: RunRecord
  dryRun: boolean
  /** Set when the run asks before its first change. */
  beforeFirstChange?: () => Promise<void>
}

interface DriveOptions<R extends object> extends RunTelling<R> {
  /** The question asked before the first change (see WorkflowRun.confirm), when there is one to ask. */
  ask?: Confirmation
  /** Whether a failed run can be resumed (an SSM execution cannot). */
  resumable: boolean
}

const reportFlags = {
  junit: reportFileFlag({description: 'Write a JUnit XML report (one test case per step) to this file.', helpGroup: 'WORKFLOW'}),
  summary: reportFileFlag({description: 'Write a Markdown summary to this file (also appended to $GITHUB_STEP_SUMMARY when set).', helpGroup: 'WORKFLOW'}),
}
const resumeFlags = {
  'dry-run': Flags.boolean({description: 'Run the read-only checks and show the changes that would be made, without making them.', helpGroup: 'WORKFLOW'}),
  resume: Flags.string({description: 'Resume an interrupted or failed run: its completed steps are skipped (see "opsctl runs list").', helpGroup: 'WORKFLOW'}),
}

/**
 * A command that runs steps and records them (a journal, the live list, JUnit and Markdown reports), whichever
 * driver walks them: the linear runner through WorkflowCommand.runWorkflow, the runbook engines through drive.
 */
export abstract class RunCommand<T extends typeof Command> extends BaseCommand<T> {
  static override baseFlags = {...BaseCommand.baseFlags, ...reportFlags}

  /** The run flags of the base classes; --dry-run and --resume only where WorkflowCommand declares them. */
  private get runFlags(): Interfaces.InferredFlags<typeof reportFlags> & Partial<Interfaces.InferredFlags<typeof resumeFlags>> {
    return this.flags as Interfaces.InferredFlags<typeof reportFlags> & Partial<Interfaces.InferredFlags<typeof resumeFlags>>
  }

  protected get dryRun(): boolean {
    return Boolean(this.runFlags['dry-run'])
  }

  /**
   * The one path of every run, whichever driver walks its steps (the linear runner, a runbook engine): refuse
   * an unanswerable question before anything starts, read the journal to resume, open the session under the
   * run id, pick the reporter, run, then settle (reports, description, exit code).
   */
  protected async drive<R extends object>(
    options: DriveOptions<R>,
    start: (run: RunStart) => Promise<{record: RunRecord; exitCode: ExitCode}>,
  ): Promise<RunRecord> {
    const {ask} = options
    if (ask && !canPrompt()) await confirmChange(ask, {yes: false})
    const resume = this.runFlags.resume ? await readJournal(this.runFlags.resume) : undefined
    const runId = resume?.runId ?? newRunId()
    const session = await this.openAwsSession(runId)
    const outcome = await start({
      session,
      runId,
      resume,
      dryRun: this.dryRun,
      // A prompt would be drawn over by the live step list: a run that asks shows plain lines.
      reporter: reporterFor({json: this.jsonEnabled(), warn: (message) => this.warn(message), plain: ask !== undefined}),
      beforeFirstChange: ask ? () => confirmChange(ask, {yes: false}) : undefined,
    })
    return settleRun(outcome, {
      ...options,
      reports: {junit: this.runFlags.junit, summary: this.runFlags.summary},
      say: (text) => this.say(text),
      warn: (message) => this.warn(message),
    })
  }
}

/** A command that changes something: it runs as a workflow with a journal, dry run, resume and reports. */
export abstract class WorkflowCommand<T extends typeof Command> extends RunCommand<T> {
  static override baseFlags = {...RunCommand.baseFlags, ...resumeFlags}

  /** Runs the workflow and returns its record; a failed run is thrown with its record attached. */
  protected async runWorkflow<C, R extends object>(run: WorkflowRun<C, R>): Promise<RunRecord> {
    const ask = run.confirm && !run.confirm.yes && !this.dryRun ? run.confirm : undefined
    return this.drive({...run, ask, resumable: true}, async (start) =>
      runWorkflow({
        ...start,
        workflow: run.workflow,
        context: await run.context(start.session),
        parameters: run.parameters,
        secrets: run.secrets,
        undoOnFailure: run.undoOnFailure,
        region: start.session.region,
      }),
    )
  }
}

/**
 * The end of every run, whichever engine ran it: write the reports, describe the outcome to people,
 * and turn a failed run or a missed objective into an error carrying the run record (its exit code).
 */
export async function settleRun<R extends object>(
  {record, exitCode}: {record: RunRecord; exitCode: ExitCode},
  options: {reports: ReportFiles; say(text: string): void; warn(message: string): void; resumable: boolean} & RunTelling<R>,
): Promise<RunRecord> {
  // A report that cannot be written is a warning: it must never take the place of the run's own outcome.
  for (const problem of await writeReports(record, options.reports, options.rtoTrend)) options.warn(problem)
  // The outcome as the workflow produced it: the record holds it as JSON, secrets redacted.
  if (record.outcome && options.describe) options.say(options.describe(record.outcome as R, record).join('\n'))
  if (record.objective?.met === false) {
    throw new ObjectiveMissedError(`The ${record.workflow} run missed its objective: ${record.objective.missed.join('; ')} (run ${record.runId}).`, record)
  }
  if (exitCode !== ExitCode.Success) {
    // Offered only when the run got as far as changing something: otherwise there is nothing to resume.
    const changed = record.steps.some((s) => s.mutates && !['pending', 'planned'].includes(s.status))
    const resume = options.resumable && changed ? `; resume with --resume ${record.runId}` : ''
    const hint = exitCode === ExitCode.Usage ? '' : ` See "opsctl runs show ${record.runId}"${resume}.`
    const error = new OpsctlError(`${record.error?.message ?? record.status}${hint}`, exitCode, record.error?.code)
    error.result = record
    throw error
  }
  return record
}

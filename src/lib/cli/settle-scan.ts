import {type OutputFormat, renderers} from '../compliance/output/index.js'
import {verdictLine} from '../compliance/output/verdict.js'
import type {ComplianceResult} from '../compliance/types.js'
import {FindingsError, OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {writeReportFiles} from '../report/index.js'

/**
 * The end of every scan, as settleRun is the end of every run: write the chosen format to `output` and the
 * Markdown to $GITHUB_STEP_SUMMARY, say where the report went, and turn the verdict into an error carrying
 * the result: failed exits 3, incomplete exits 1. `verdictShown`: the verdict line was printed (with the table).
 */
export async function settleScan(
  result: ComplianceResult,
  options: {format: OutputFormat; output?: string; verdictShown: boolean; say(text: string): void; warn(message: string): void},
): Promise<ComplianceResult> {
  const report = options.output ? {what: `${options.format} report`, file: options.output, text: renderers[options.format](result)} : undefined
  const {written, problems} = await writeReportFiles(report ? [report] : [], renderers.markdown(result))
  // A report that cannot be written is a warning: it must never take the place of the scan's own verdict.
  for (const problem of problems) options.warn(problem)
  if (report && written.includes(report)) options.say(`Wrote the ${report.what} to ${report.file}.`)
  if (result.verdict === 'passed') return result
  const error =
    result.verdict === 'failed'
      ? new FindingsError(verdictLine(result), result)
      : Object.assign(new OpsctlError(verdictLine(result), ExitCode.WorkflowFailed, 'ScanIncomplete'), {result})
  error.shownOnStdout = options.verdictShown
  throw error
}

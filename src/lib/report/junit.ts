import type {RunRecord} from '../engine/types.js'
import {shownStatus} from './format.js'

export const escapeXml = (text: string) =>
  text
    .replace(/[<>&"']/g, (c) => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;'})[c]!)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters, which is why they are removed.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')

export interface JunitSuite {
  /** Of the <testsuites> element, and of the one <testsuite>. */
  name: string
  suite: string
  counts: {tests: number; failures: number; errors: number; skipped: number}
  seconds: string
  /** ISO 8601; written without milliseconds and zone, as the JUnit schema wants. */
  timestamp: string
  properties: Record<string, string>
  /** Rendered <testcase> elements, indented by four spaces. */
  cases: string[]
}

/** The JUnit document around one suite of test cases, as CI systems read it. */
export function junitDocument(suite: JunitSuite): string {
  const {tests, failures, errors, skipped} = suite.counts
  const counts = `tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${suite.seconds}"`
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suite.name)}" ${counts}>`,
    `  <testsuite name="${escapeXml(suite.suite)}" ${counts} timestamp="${suite.timestamp.replace(/(\.\d+)?Z$/, '')}">`,
    '    <properties>',
    ...Object.entries(suite.properties).map(([k, v]) => `      <property name="${escapeXml(k)}" value="${escapeXml(v)}"/>`),
    '    </properties>',
    ...suite.cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

/** JUnit XML: the run is a test suite, each step a test case; CI systems show it as test results. */
export function renderJunit(record: RunRecord): string {
  const seconds = (ms?: number) => ((ms ?? 0) / 1000).toFixed(3)
  const objectiveMissed = record.objective?.met === false
  const failures = record.steps.filter((s) => ['failed', 'missed'].includes(shownStatus(s))).length + (objectiveMissed ? 1 : 0)
  const tests = record.steps.length + (record.objective ? 1 : 0)
  const skipped = record.steps.filter((s) => ['skipped', 'planned', 'pending'].includes(s.status)).length
  const cases = record.steps.map((step) => {
    const attrs = `name="${escapeXml(step.id)}" classname="opsctl.${escapeXml(record.workflow)}" time="${seconds(step.durationMs)}"`
    const body: string[] = []
    if (step.status === 'failed') body.push(`<failure type="${escapeXml(step.error?.code ?? 'Error')}" message="${escapeXml(step.error?.message ?? '')}"/>`)
    if (shownStatus(step) === 'missed') body.push(`<failure type="ObjectiveMissed" message="${escapeXml(step.missed!)}"/>`)
    if (['skipped', 'planned', 'pending'].includes(step.status))
      body.push(`<skipped message="${escapeXml(step.status === 'pending' ? 'not run' : (step.note ?? step.status))}"/>`)
    const calls = step.calls.map((c) => `${c.service}.${c.operation}${c.requestId ? ` request-id=${c.requestId}` : ''}${c.error ? ` error=${c.error}` : ''}`)
    const out = [step.title, ...(step.undo ? [`undo: ${step.undo.status}`] : []), ...calls].join('\n')
    body.push(`<system-out>${escapeXml(out)}</system-out>`)
    return `    <testcase ${attrs}>\n      ${body.join('\n      ')}\n    </testcase>`
  })
  // The objective is a test case of its own, so a drill that ran but missed it fails in the CI's test view.
  if (record.objective) {
    const failure = objectiveMissed ? `\n      <failure type="ObjectiveMissed" message="${escapeXml(record.objective.missed.join('; '))}"/>` : ''
    cases.push(`    <testcase name="objective" classname="opsctl.${escapeXml(record.workflow)}" time="0.000">${failure}\n    </testcase>`)
  }
  return junitDocument({
    name: 'opsctl',
    suite: record.workflow,
    counts: {tests, failures, errors: 0, skipped},
    seconds: seconds(record.durationMs),
    timestamp: record.startedAt,
    properties: Object.fromEntries(Object.entries({runId: record.runId, status: record.status, ...record.metrics}).map(([k, v]) => [k, String(v)])),
    cases,
  })
}

import {readFile} from 'node:fs/promises'

import {expect} from 'chai'
import {validateXML} from 'xmllint-wasm'

import type {RunRecord} from '../../../src/lib/engine/types.js'
import {table} from '../../../src/lib/report/format.js'
import {renderJunit} from '../../../src/lib/report/junit.js'
import {renderMarkdown} from '../../../src/lib/report/markdown.js'
import {PlainReporter} from '../../../src/lib/report/plain.js'
import {rtoSparkline} from '../../../src/lib/report/trend.js'

const record: RunRecord = {
  runId: '20261123T192515Z-4f9a1c',
  workflow: 'snapshot-create',
  opsctlVersion: '0.1.0',
  status: 'failed',
  dryRun: false,
  parameters: {dbInstanceId: 'tenant-shard-001'},
  startedAt: '2026-11-23T19:25:15.000Z',
  endedAt: '2026-11-23T19:25:45.500Z',
  durationMs: 30_500,
  region: 'eu-west-1',
  metrics: {rtoSeconds: 74},
  warnings: ['No snapshot of tenant-shard-001 in the last 24 hours.'],
  error: {code: 'AccessDenied', message: 'User is not authorized to perform rds:CreateDBSnapshot on <tenant-shard-001> & "more"'},
  steps: [
    {
      id: 'check-instance',
      title: 'Check the instance',
      mutates: false,
      actions: [],
      status: 'succeeded',
      startedAt: '2026-11-23T19:25:15.100Z',
      durationMs: 1200,
      calls: [{service: 'RDS', operation: 'DescribeDBInstances', requestId: 'req-1'}],
    },
    {
      id: 'create-snapshot',
      title: 'Create | snapshot',
      mutates: true,
      actions: ['rds:CreateDBSnapshot'],
      status: 'failed',
      startedAt: '2026-11-23T19:25:16.300Z',
      durationMs: 300,
      error: {code: 'AccessDenied', message: 'User is not authorized to perform rds:CreateDBSnapshot on <tenant-shard-001> & "more"'},
      undo: {status: 'succeeded'},
      calls: [{service: 'RDS', operation: 'CreateDBSnapshot', requestId: 'req-2', error: 'AccessDenied'}],
    },
    {id: 'wait-available', title: 'Wait', mutates: false, actions: [], status: 'pending', calls: []},
  ],
}

describe('run renderers', () => {
  describe('JUnit XML', () => {
    const xml = renderJunit(record)

    it('is one test suite with a test case per step, counting failures and skips', () => {
      expect(xml).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>/)
      expect(xml).to.match(/<testsuite name="snapshot-create" tests="3" failures="1" errors="0" skipped="1" time="30.500"/)
      expect(xml.match(/<testcase /g)).to.have.length(3)
      expect(xml).to.match(/<testcase name="check-instance" classname="opsctl.snapshot-create" time="1.200">/)
    })

    it('validates against the JUnit schema', async () => {
      const xsd = await readFile(new URL('../../fixtures/compliance/junit.xsd', import.meta.url), 'utf8')
      const validation = await validateXML({xml: [{fileName: 'run.xml', contents: xml}], schema: [{fileName: 'junit.xsd', contents: xsd}]})
      expect(validation.errors).to.deep.equal([])
    })

    it('escapes markup in messages and carries the AWS request ids', () => {
      expect(xml).to.contain(
        '<failure type="AccessDenied" message="User is not authorized to perform rds:CreateDBSnapshot on &lt;tenant-shard-001&gt; &amp; &quot;more&quot;"/>',
      )
      expect(xml).to.contain('RDS.CreateDBSnapshot request-id=req-2 error=AccessDenied')
      expect(xml).to.contain('<skipped message="not run"/>')
      expect(xml).to.contain('<property name="rtoSeconds" value="74"/>')
    })
  })

  describe('objectives', () => {
    const missed: RunRecord = {
      ...record,
      status: 'succeeded',
      error: undefined,
      steps: [record.steps[0]],
      objective: {met: false, missed: ['RTO 190 s is above the target of 120 s']},
    }

    it('fail the run in JUnit when missed, as a test case of their own', () => {
      const xml = renderJunit(missed)
      expect(xml).to.match(/<testsuite name="snapshot-create" tests="2" failures="1"/)
      expect(xml).to.contain(
        '<testcase name="objective" classname="opsctl.snapshot-create" time="0.000">\n      <failure type="ObjectiveMissed" message="RTO 190 s is above the target of 120 s"/>',
      )
    })

    it('head the Markdown summary when missed', () => {
      expect(renderMarkdown(missed))
        .to.contain('### opsctl snapshot-create: ❌ objective missed')
        .and.to.contain('> ❌ Missed: RTO 190 s is above the target of 120 s')
    })
  })

  describe('a step that missed its objective', () => {
    const check = {
      id: 'check-retention',
      title: 'Policy: retention',
      mutates: false,
      actions: [],
      status: 'succeeded' as const,
      startedAt: '2026-11-23T19:25:15.100Z',
      durationMs: 2,
      missed: 'backups are kept 7 days, below the required 30 (--min-retention)',
      calls: [],
    }
    const missed: RunRecord = {
      ...record,
      workflow: 'backup-test',
      status: 'succeeded',
      error: undefined,
      warnings: [],
      steps: [record.steps[0], check],
      objective: {met: false, missed: ['check-retention']},
    }

    it('is a failing test case in JUnit, beside the failing objective that names it', () => {
      const xml = renderJunit(missed)
      expect(xml).to.match(/<testsuite name="backup-test" tests="3" failures="2"/)
      expect(xml).to.contain(
        '<testcase name="check-retention" classname="opsctl.backup-test" time="0.002">\n      <failure type="ObjectiveMissed" message="backups are kept 7 days, below the required 30 (--min-retention)"/>',
      )
      expect(xml).to.contain('<failure type="ObjectiveMissed" message="check-retention"/>')
    })

    it('is ❌ in the Markdown summary, its detail given once', () => {
      const markdown = renderMarkdown(missed)
      expect(markdown).to.contain('| ❌ | Policy: retention | missed: backups are kept 7 days, below the required 30 (--min-retention) |')
      expect(markdown).to.contain('> ❌ Missed: check-retention\n')
      expect(markdown.match(/backups are kept 7 days/g)).to.have.length(1)
    })

    it('is ✖ in plain lines, and the verdict names it without repeating the detail', () => {
      const lines: string[] = []
      const plain = new PlainReporter((line) => lines.push(line))
      plain.stepFinished(check)
      plain.runFinished(missed)
      expect(lines).to.deep.equal([
        '✖ check-retention: missed: backups are kept 7 days, below the required 30 (--min-retention)',
        'backup-test succeeded in 30.5s, objective MISSED: check-retention (run 20261123T192515Z-4f9a1c)',
      ])
    })
  })

  describe('Markdown summary', () => {
    const markdown = renderMarkdown(record)

    it('states the verdict, the error and the metrics, and a row per step', () => {
      expect(markdown).to.contain('### opsctl snapshot-create: ❌ failed')
      expect(markdown).to.contain('Run `20261123T192515Z-4f9a1c` in eu-west-1')
      expect(markdown).to.contain('**rtoSeconds**: 74')
      expect(markdown).to.contain('> ⚠️ No snapshot of tenant-shard-001 in the last 24 hours.')
      expect(markdown).to.contain('| ❌ | Create \\| snapshot | AccessDenied: User is not authorized')
      expect(markdown).to.contain('(undo succeeded)')
      expect(markdown).to.contain('| ⏸️ | Wait | not run |')
    })
  })

  describe('plain lines', () => {
    it('prints one line per step event, without colour under NO_COLOR', () => {
      const lines: string[] = []
      const plain = new PlainReporter((line) => lines.push(line))
      plain.runStarted(record)
      plain.stepStarted(record.steps[0])
      plain.stepFinished(record.steps[0])
      plain.stepProgress(record.steps[1], 'snapshot 40% done')
      plain.stepFinished(record.steps[1])
      plain.stepUndone(record.steps[1])
      plain.runFinished(record)
      expect(lines).to.deep.equal([
        'snapshot-create run 20261123T192515Z-4f9a1c',
        '▶ check-instance: Check the instance',
        '✔ check-instance: 1.2s',
        '  create-snapshot: snapshot 40% done',
        '✖ create-snapshot: AccessDenied: User is not authorized to perform rds:CreateDBSnapshot on <tenant-shard-001> & "more"',
        '↩ create-snapshot: undone',
        'snapshot-create failed in 30.5s (run 20261123T192515Z-4f9a1c)',
      ])
      expect(lines.join('')).not.to.match(/\u001B\[/)
    })

    it('names a step that never started (skipped, planned) by its title too, since no ▶ line did', () => {
      const lines: string[] = []
      const plain = new PlainReporter((line) => lines.push(line))
      plain.stepFinished({...record.steps[2], status: 'skipped', note: 'not on the path this run took'})
      plain.stepFinished({...record.steps[1], status: 'planned', startedAt: undefined})
      expect(lines).to.deep.equal([
        '↷ wait-available: Wait — skipped: not on the path this run took',
        '○ create-snapshot: Create | snapshot — planned (dry run): would call rds:CreateDBSnapshot',
      ])
    })
  })

  describe('tables for terminals', () => {
    const rows = [['20261123T192515Z-4f9a1c', 'runbook:opsctl-MultiAzFailoverTest', 'DBInstanceIdentifier=tenant-shard-001 AutomationAssumeRole=']]

    it('cut the columns that may be cut, the widest first, with an ellipsis, until the table fits', () => {
      const lines = table(['RUN', 'WORKFLOW', 'PARAMETERS'], rows, {width: 80, columns: {WORKFLOW: 16, PARAMETERS: 16}}).split('\n')
      expect(lines.map((line) => line.length)).to.deep.equal([63, 80, 80])
      expect(lines[2]).to.equal('20261123T192515Z-4f9a1c  runbook:opsctl-MultiAzFai…  DBInstanceIdentifier=tenan…')
    })

    it('never cut a column below its narrowest width, nor one that may not be cut', () => {
      const line = table(['RUN', 'WORKFLOW', 'PARAMETERS'], rows, {width: 40, columns: {WORKFLOW: 16, PARAMETERS: 16}}).split('\n')[2]
      expect(line).to.equal('20261123T192515Z-4f9a1c  runbook:opsctl-…  DBInstanceIdent…')
    })

    it('leave a table that fits as it is', () => {
      expect(table(['RUN', 'WORKFLOW', 'PARAMETERS'], rows, {width: 200, columns: {WORKFLOW: 16, PARAMETERS: 16}})).to.equal(
        table(['RUN', 'WORKFLOW', 'PARAMETERS'], rows),
      )
    })
  })

  describe('the RTO trend', () => {
    const seconds = (s: number) => `${s} s`

    it('is a sparkline of the last runs, oldest → newest, lowest ▁ to highest █, with the range', () => {
      expect(rtoSparkline([60, 65, 70, 90, 130], seconds)).to.equal('▁▂▂▄█ 60 s–130 s')
      expect(rtoSparkline([0, 0, 0], seconds)).to.equal('▁▁▁ 0 s–0 s')
      expect(rtoSparkline([], seconds)).to.equal('')
      expect(rtoSparkline([...Array(20).keys()], seconds)).to.equal('▁▂▂▃▄▄▅▅▆▇▇█ 8 s–19 s')
    })

    it('is charted in the Markdown summary with Mermaid, the run itself last, when there are earlier runs', () => {
      const drill: RunRecord = {...record, workflow: 'failover-drill', status: 'succeeded', error: undefined}
      const trend = {
        runs: 'the multi-az drills of tenant-shard-001',
        points: [
          {runId: '20261121T030000Z-aaaaaa', startedAt: '2026-11-21T03:00:00.000Z', rtoSeconds: 61.7},
          {runId: '20261122T030000Z-bbbbbb', startedAt: '2026-11-22T03:00:00.000Z', rtoSeconds: 90},
          {runId: record.runId, startedAt: record.startedAt, rtoSeconds: 74},
        ],
      }
      const markdown = renderMarkdown(drill, trend)
      expect(markdown).to.contain(
        [
          '#### RTO of the multi-az drills of tenant-shard-001',
          '',
          'The last 3, oldest → newest: ▁█▄ 61.7 s–90 s; this run 74 s.',
          '',
          '```mermaid',
          'xychart-beta',
          '  title "RTO of the multi-az drills of tenant-shard-001 (s)"',
          '  x-axis ["11-21 03:00", "11-22 03:00", "this run"]',
          '  y-axis "RTO (s)" 0 --> 100',
          '  line [61.7, 90, 74]',
          '```',
        ].join('\n'),
      )
      expect(markdown.indexOf('xychart-beta')).to.be.lessThan(markdown.indexOf('| | Step | Result |'))
      expect(renderMarkdown(drill, {...trend, points: trend.points.slice(2)})).not.to.contain('mermaid')
    })

    it('keeps a place of its own for each run in the chart, also for runs in the same minute', () => {
      const at = '2026-11-21T03:00:00.000Z'
      const markdown = renderMarkdown(record, {
        runs: 'x',
        points: [
          {runId: 'a', startedAt: at, rtoSeconds: 1},
          {runId: 'b', startedAt: at, rtoSeconds: 2},
        ],
      })
      expect(markdown).to.contain('  x-axis ["11-21 03:00", "11-21 03:00 (2)"]')
    })
  })
})

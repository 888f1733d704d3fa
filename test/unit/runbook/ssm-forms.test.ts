import {expect} from 'chai'

import {durationMs} from '../../../src/lib/runbook/actions/sleep.js'
import {selectJsonPath} from '../../../src/lib/runbook/jsonpath.js'
import {coerceOutput} from '../../../src/lib/runbook/output-types.js'
import {interpolate, referencesIn} from '../../../src/lib/runbook/references.js'

describe('runbook values read as SSM reads them', () => {
  it('takes only the forms SSM resolves as references, and leaves other double braces as text', () => {
    const text = "awk '{{ print $2 }}' {{ }} {{ .State.Running }} {{ Name }} {{ step.Out }} {{ global:REGION }} {{ variable:V }} {{ssm:/a/b:2}}"
    expect(referencesIn(text).map((r) => `${r.kind} ${r.text}`)).to.deep.equal([
      'parameter Name',
      'output step.Out',
      'automation global:REGION',
      'variable variable:V',
      'parameter-store ssm:/a/b:2',
    ])
    const resolved = interpolate(text, (r) => `<${r.text}>`)
    expect(resolved).to.equal("awk '{{ print $2 }}' {{ }} {{ .State.Running }} <Name> <step.Out> <global:REGION> <variable:V> <ssm:/a/b:2>")
    expect(interpolate('{{ }}', () => 'resolved')).to.equal('{{ }}')
  })

  it('reads durations with fractional seconds', () => {
    expect(durationMs('PT0.5S')).to.equal(500)
    expect(durationMs('PT1M2.25S')).to.equal(62_250)
  })

  it('reads a selector without $ from the root of the response', () => {
    const response = {SnapshotId: 'snap-1', Snapshots: [{State: 'completed'}]}
    expect(selectJsonPath(response, 'SnapshotId')).to.equal('snap-1')
    expect(selectJsonPath(response, 'Snapshots[0].State')).to.equal('completed')
  })

  it('takes an output with no Type as a String', () => {
    expect(coerceOutput(8, undefined, 'a.Size')).to.equal('8')
    expect(coerceOutput({Key: 'v'}, undefined, 'a.Tags')).to.equal('{"Key":"v"}')
  })
})

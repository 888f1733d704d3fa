import {expect} from 'chai'

import {parseJsonPath, selectJsonPath} from '../../../src/lib/runbook/jsonpath.js'
import {coerceOutput} from '../../../src/lib/runbook/output-types.js'

/** A DescribeInstances response as the local engine hands it to Selectors (plain JSON). */
const described = {
  Reservations: [
    {
      ReservationId: 'r-1',
      Instances: [
        {InstanceId: 'i-1', State: {Name: 'running', Code: 16}, CpuOptions: {CoreCount: 2}, Tags: [{Key: 'tier', Value: 'db'}], EbsOptimized: true},
        {InstanceId: 'i-2', State: {Name: 'stopped', Code: 80}, CpuOptions: {CoreCount: 8}, EbsOptimized: false},
      ],
    },
    {
      ReservationId: 'r-2',
      Instances: [{InstanceId: 'i-3', State: {Name: 'running', Code: 16}, CpuOptions: {CoreCount: 4}, Tags: [{Key: 'tier', Value: 'web'}]}],
    },
  ],
  Volumes: [
    {VolumeId: 'vol-1', Size: 8, Iops: '3000'},
    {VolumeId: 'vol-2', Size: 100, Iops: '16000'},
  ],
  MinSize: 10,
}
const ids = (selector: string) => (selectJsonPath(described, selector) as {InstanceId?: string; VolumeId?: string}[]).map((i) => i.InstanceId ?? i.VolumeId)

describe('JSONPath filters, as SSM evaluates Selectors and PropertySelectors', () => {
  it("selects the running instances of every reservation with $.Reservations[*].Instances[?(@.State.Name=='running')]", () => {
    expect(ids("$.Reservations[*].Instances[?(@.State.Name=='running')]")).to.deep.equal(['i-1', 'i-3'])
  })

  it('compares strings with == and != in either quotes, with or without spaces', () => {
    expect(ids('$.Reservations[*].Instances[?(@.State.Name == "stopped")]')).to.deep.equal(['i-2'])
    expect(ids("$.Reservations[*].Instances[?(@.State.Name != 'running')]")).to.deep.equal(['i-2'])
    expect(ids("$.Reservations[*].Instances[?(@.State.Name=='it\\'s')]")).to.deep.equal([])
  })

  it('compares numbers with <, <=, > and >=', () => {
    expect(ids('$.Volumes[?(@.Size > 8)]')).to.deep.equal(['vol-2'])
    expect(ids('$.Volumes[?(@.Size >= 8)]')).to.deep.equal(['vol-1', 'vol-2'])
    expect(ids('$.Volumes[?(@.Size < 100)]')).to.deep.equal(['vol-1'])
    expect(ids('$.Volumes[?(@.Size <= 7.5)]')).to.deep.equal([])
    expect(ids('$.Reservations[*].Instances[?(@.State.Code == 80)]')).to.deep.equal(['i-2'])
  })

  it('orders numbers as numbers and strings as strings, never one against the other', () => {
    // '16000' sorts before '3000' as text; a number never orders against a string.
    expect(ids("$.Volumes[?(@.Iops < '3000')]")).to.deep.equal(['vol-2'])
    expect(ids('$.Volumes[?(@.Iops < 5000)]')).to.deep.equal([])
    // Equality takes a number's text for the number.
    expect(ids("$.Volumes[?(@.Size == '100')]")).to.deep.equal(['vol-2'])
    expect(ids('$.Volumes[?(@.Iops == 3000)]')).to.deep.equal(['vol-1'])
  })

  it('combines conditions with && and ||, && binding tighter, and parentheses and ! around them', () => {
    expect(ids("$.Reservations[*].Instances[?(@.State.Name == 'running' && @.CpuOptions.CoreCount > 2)]")).to.deep.equal(['i-3'])
    expect(ids("$.Reservations[*].Instances[?(@.State.Name == 'stopped' || @.CpuOptions.CoreCount == 4)]")).to.deep.equal(['i-2', 'i-3'])
    expect(ids("$.Reservations[*].Instances[?(@.InstanceId == 'i-2' || @.State.Code == 16 && @.CpuOptions.CoreCount == 2)]")).to.deep.equal(['i-1', 'i-2'])
    expect(ids("$.Reservations[*].Instances[?((@.InstanceId == 'i-2' || @.State.Code == 16) && @.CpuOptions.CoreCount >= 4)]")).to.deep.equal(['i-2', 'i-3'])
    expect(ids("$.Reservations[*].Instances[?(!(@.State.Name == 'running'))]")).to.deep.equal(['i-2'])
  })

  it('reads nested paths, bracketed keys, indexes, booleans and paths from the root inside a filter', () => {
    expect(ids("$.Reservations[*].Instances[?(@['State']['Name'] == 'stopped')]")).to.deep.equal(['i-2'])
    expect(ids("$.Reservations[*].Instances[?(@.Tags[0].Value == 'web')]")).to.deep.equal(['i-3'])
    expect(ids('$.Reservations[*].Instances[?(@.EbsOptimized == true)]')).to.deep.equal(['i-1'])
    expect(ids('$.Volumes[?(@.Size >= $.MinSize)]')).to.deep.equal(['vol-2'])
    expect(ids("$.Reservations[*].Instances[?(@.Tags[?(@.Value == 'db')])]")).to.deep.equal(['i-1'])
  })

  it('tests that a path exists when it stands alone, and treats a missing value as unequal to everything', () => {
    expect(ids('$.Reservations[*].Instances[?(@.Tags)]')).to.deep.equal(['i-1', 'i-3'])
    expect(ids('$.Reservations[*].Instances[?(!@.Tags)]')).to.deep.equal(['i-2'])
    expect(ids("$.Reservations[*].Instances[?(@.Missing != 'x')]")).to.deep.equal(['i-1', 'i-2', 'i-3'])
    expect(ids("$.Reservations[*].Instances[?(@.Missing == 'x')]")).to.deep.equal([])
    expect(ids('$.Reservations[*].Instances[?(@.Missing == null)]')).to.deep.equal([])
  })

  it('selects into what a filter matched, and yields a list even when one or none matches', () => {
    expect(selectJsonPath(described, "$.Reservations[*].Instances[?(@.State.Name == 'running')].InstanceId")).to.deep.equal(['i-1', 'i-3'])
    expect(selectJsonPath(described, "$.Reservations[?(@.ReservationId == 'r-2')].Instances[0].InstanceId")).to.deep.equal(['i-3'])
    expect(selectJsonPath(described, "$.Reservations[*].Instances[?(@.State.Name == 'pending')]")).to.deep.equal([])
    // On an object (not a list) a filter keeps the object when it matches.
    expect(selectJsonPath({Volume: {Size: 8}}, '$.Volume[?(@.Size == 8)].Size')).to.deep.equal([8])
  })

  it('reads a selector without $ under the root, as SSM does', () => {
    expect(selectJsonPath({SnapshotId: 'snap-1'}, 'SnapshotId')).to.equal('snap-1')
    expect(selectJsonPath({Snapshots: [{State: 'completed'}]}, 'Snapshots[0].State')).to.equal('completed')
    expect(selectJsonPath([{State: 'pending'}], '[0].State')).to.equal('pending')
  })

  it('refuses a filter it cannot read with a usage error naming the selector and where', () => {
    const refusal = (selector: string) => {
      try {
        parseJsonPath(selector)
      } catch (error) {
        return error as {message: string; exitCode: number}
      }
      throw new Error(`${selector} was accepted`)
    }
    expect(refusal('$.Volumes[?(@.Size =~ /8/)]').message).to.equal(
      'Selector "$.Volumes[?(@.Size =~ /8/)]" has something unsupported in its filter at "=~ /8/"; write it like $.DBInstances[0].DBInstanceStatus.',
    )
    expect(refusal('$.Volumes[?(@.Size == 8]')).to.include({exitCode: 2})
    expect(refusal('$.Volumes[?(@.Size == 8]').message).to.contain('has a filter [?( without its closing )]')
    expect(refusal('$.Volumes[?(@.Size == 8 &&)]').message).to.contain('unsupported in its filter at "its end"')
    expect(refusal("$.Volumes[?('a')]").message).to.contain(`unsupported in its filter at "'a'"`)
    expect(refusal('$.Volumes[1:2]').message).to.contain('has something unsupported at "[1:2]"')
    expect(refusal('').message).to.contain('is empty')
  })
})

describe('a selected list of one as a String, Integer or Boolean output', () => {
  it('is its one value, as SSM converts it; a longer list is not', () => {
    const running = selectJsonPath(described, "$.Reservations[*].Instances[?(@.State.Name == 'stopped')].InstanceId")
    expect(coerceOutput(running, 'String', 'find.InstanceId')).to.equal('i-2')
    expect(coerceOutput(selectJsonPath(described, '$.Volumes[?(@.Size > 8)].Size'), 'Integer', 'find.Size')).to.equal(100)
    expect(coerceOutput([true], 'Boolean', 'find.Optimized')).to.equal(true)
    expect(() => coerceOutput([8, 100], 'Integer', 'find.Sizes')).to.throw('Output find.Sizes is [8,100], which is not a Integer')
    expect(coerceOutput(['i-1', 'i-3'], 'String', 'find.Ids')).to.equal('["i-1","i-3"]')
  })
})

import {CreateVolumeCommand, DescribeTagsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {expect} from 'chai'

import {parseRunbook} from '../../../src/lib/runbook/document.js'
import {runLocally} from '../../../src/lib/runbook/local-engine.js'
import {resolveParameters} from '../../../src/lib/runbook/parameters.js'
import {validateRunbook} from '../../../src/lib/runbook/validate.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'

// The forms of AWS-owned documents that the validator once refused, run by the local engine as SSM runs them.
const snapshotDocument = `
schemaVersion: '0.3'
parameters:
  VolumeId: {type: String}
mainSteps:
  - name: createSnapshot
    action: aws:executeAwsApi
    timeoutSeconds: '600'
    maxAttempts: '2'
    inputs: {Service: EC2, Api: CreateSnapshot, VolumeId: '{{ VolumeId }}'}
    outputs:
      - {Name: SnapshotId, Selector: SnapshotId}
      - {Name: Size, Selector: VolumeSize, Type: Integer}
  - name: settle
    action: aws:sleep
    inputs: {Duration: PT0.5S}
  - name: describeSnapshot
    action: aws:assertAwsResourceProperty
    inputs:
      Service: Ec2
      Api: DescribeSnapshots
      SnapshotIds: ['{{ createSnapshot.SnapshotId }}']
      PropertySelector: Snapshots[0].VolumeId
      DesiredValues: ['{{ VolumeId }}']
  - name: tagSnapshot
    action: aws:createTags
    inputs:
      ResourceIds: ['{{ createSnapshot.SnapshotId }}']
      Tags:
        - {Key: report, Value: "df -h | awk '{{ print $2 }}' for {{ VolumeId }}"}
        - {Key: template, Value: '{{ }}'}
outputs: [createSnapshot.SnapshotId, createSnapshot.Size]
`

describe('forms SSM accepts, run by the local engine (against moto)', () => {
  it('reads selectors without $, outputs without Type, Service in upper case, PT0.5S and numbers as text, and leaves {{ }} that is not a reference as text', async () => {
    const runbook = parseRunbook(snapshotDocument, '/tmp/aws-forms.yaml')
    expect(validateRunbook(runbook)).to.deep.equal([])
    const {VolumeId} = await new EC2Client({}).send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 8}))
    const clock = new VirtualClock()
    const started = clock.now()
    const {record, exitCode, outputs} = await runLocally({
      runbook,
      parameters: resolveParameters(runbook.document!, {VolumeId: VolumeId!}),
      session: await testSession(),
      approve: async () => {},
      clock,
    })
    expect(exitCode, JSON.stringify(record.error)).to.equal(0)
    expect(outputs['createSnapshot.SnapshotId'])
      .to.be.a('string')
      .and.match(/^snap-/)
    expect(outputs['createSnapshot.Size']).to.equal(8)
    expect(clock.now() - started).to.equal(500)
    const {Tags} = await new EC2Client({}).send(
      new DescribeTagsCommand({Filters: [{Name: 'resource-id', Values: [String(outputs['createSnapshot.SnapshotId'])]}]}),
    )
    expect(Object.fromEntries(Tags!.map((t) => [t.Key, t.Value]))).to.deep.equal({
      report: `df -h | awk '{{ print $2 }}' for ${VolumeId}`,
      template: '{{ }}',
    })
  })
})

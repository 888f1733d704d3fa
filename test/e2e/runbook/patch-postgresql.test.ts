import {ListCommandsCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'

const patchRunbook = 'runbooks/opsctl-PatchPostgreSQL.yaml'
const instance = ['-p', 'InstanceId=i-0123456789abcdef0']

describe('opsctl runbook with opsctl-PatchPostgreSQL (e2e)', () => {
  it('validates strictly: no error, no warning', async () => {
    const result = await opsctl(['runbook', 'validate', patchRunbook, '--strict'])
    expect(result.code, result.stdout).to.equal(0)
    expect(result.stdout).to.contain('1 document checked: 0 errors, 0 warnings.')
  })

  it('plans the patch with its parameters filled in and every step after the snapshot jumping to the rollback', async () => {
    const result = await opsctl(['runbook', 'plan', patchRunbook, ...instance, '-p', 'TargetVersion=15.8', '-p', 'RunId=20260301T030000Z-5e1f2a', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const envelope = parseJson(result)
    expectMatchesSchema(envelope, 'runbook-plan')
    const step = (name: string) => envelope.result.steps.find((s: {name: string}) => s.name === name)
    for (const name of ['upgradePostgreSQL', 'startPostgreSQL', 'verifyVersion'])
      expect(step(name).jumps, name).to.deep.include({kind: 'onFailure', target: 'rollbackStopPostgreSQL'})
    expect(step('findDataVolume').inputs.Filters).to.deep.equal([
      {Name: 'attachment.instance-id', Values: ['i-0123456789abcdef0']},
      {Name: 'attachment.device', Values: ['/dev/sdf']},
    ])
    expect(step('recordCompliant')).to.deep.include({mutates: true, calls: ['ssm:PutComplianceItems']})
    expect(step('recordCompliant').inputs.ComplianceType).to.equal('Custom:opsctl-postgresql')
  })

  it('refuses a version that does not parse and a topic that is not an SNS ARN: exit 2, one sentence, no command sent', async () => {
    const version = await opsctl(['runbook', 'run', patchRunbook, ...instance, '-p', 'TargetVersion=15.8; reboot'])
    expect(version.code).to.equal(2)
    expect(version.stderr).to.contain('Parameter TargetVersion is "15.8; reboot", which does not match')
    const topic = await opsctl(['runbook', 'run', patchRunbook, ...instance, '-p', 'TargetVersion=15.8', '-p', 'NotificationTopicArn=db-alerts'])
    expect(topic.code).to.equal(2)
    expect(topic.stderr).to.contain('Parameter NotificationTopicArn is "db-alerts", which does not match')
    expect((await new SSMClient({}).send(new ListCommandsCommand({}))).Commands).to.deep.equal([])
  })
})

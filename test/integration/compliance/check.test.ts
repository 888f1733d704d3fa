import {
  CloudTrailClient,
  CreateTrailCommand,
  DescribeTrailsCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail'
import {ConfigServiceClient, DescribeComplianceByConfigRuleCommand, DescribeDeliveryChannelStatusCommand} from '@aws-sdk/client-config-service'
import {DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {DescribeKeyCommand, KMSClient, ListKeysCommand} from '@aws-sdk/client-kms'
import {ListResourceComplianceSummariesCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'
import sinon from 'sinon'

import {type AwsCall, withinCallScope} from '../../../src/lib/aws/call-log.js'
import {checks} from '../../../src/lib/compliance/checks/index.js'
import {parseMutelist} from '../../../src/lib/compliance/mutelist.js'
import {runComplianceScan, selectChecks} from '../../../src/lib/compliance/scan.js'
import type {ComplianceResult} from '../../../src/lib/compliance/types.js'
import {COMPLIANCE_KEYS, complianceBuckets, complianceSeeder} from '../../../src/lib/sandbox/seed/compliance.js'
import {COMPLIANCE_DB_SERVERS, COMPLIANCE_SECRETS, COMPLIANCE_SUBNET_GROUPS} from '../../../src/lib/sandbox/seed/compliance-controls.js'
import {seedDemoEstate} from '../../../src/lib/sandbox/seed/index.js'
import {testSession} from '../../support/aws.js'
import {sandboxSession} from '../../support/sandbox-session.js'

const ACCOUNT = '123456789012'
const REGIONS = ['us-east-1', 'eu-west-1']

/** What moto does not implement, answered per region as AWS would. */
function stubWhatMotoLacks(): sinon.SinonSandbox {
  const sandbox = sinon.createSandbox()
  const passThrough = <C extends {prototype: {send: (...args: any[]) => any}}>(Client: C, answer: (command: unknown, region: string) => unknown) => {
    const original = Client.prototype.send
    sandbox.stub(Client.prototype, 'send').callsFake(async function (this: {config: {region: () => Promise<string>}}, command: unknown, ...rest: unknown[]) {
      const answered = answer(command, await this.config.region())
      return answered === undefined ? original.call(this, command, ...rest) : answered
    })
  }
  passThrough(ConfigServiceClient, (command, region) => {
    if (command instanceof DescribeDeliveryChannelStatusCommand) {
      return {
        DeliveryChannelsStatus:
          region === 'us-east-1'
            ? [{name: 'default', configHistoryDeliveryInfo: {lastStatus: 'Success'}, configSnapshotDeliveryInfo: {lastStatus: 'Success'}}]
            : [],
      }
    }
    if (command instanceof DescribeComplianceByConfigRuleCommand) {
      if (region !== 'us-east-1') return {ComplianceByConfigRules: []}
      // Two pages, as AWS paginates.
      return command.input.NextToken === undefined
        ? {ComplianceByConfigRules: [{ConfigRuleName: 'rds-storage-encrypted', Compliance: {ComplianceType: 'COMPLIANT'}}], NextToken: 'page-2'}
        : {
            ComplianceByConfigRules: [
              {
                ConfigRuleName: 'encrypted-volumes',
                Compliance: {ComplianceType: 'NON_COMPLIANT', ComplianceContributorCount: {CappedCount: 2, CapExceeded: false}},
              },
              {ConfigRuleName: 's3-default-encryption-kms', Compliance: {ComplianceType: 'INSUFFICIENT_DATA'}},
            ],
          }
    }
    return undefined
  })
  passThrough(SSMClient, (command, region) => {
    if (!(command instanceof ListResourceComplianceSummariesCommand)) return undefined
    if (region !== 'us-east-1') return {ResourceComplianceSummaryItems: []}
    const node = (id: string, type: string, compliant: boolean) => ({
      ComplianceType: type,
      ResourceType: 'ManagedInstance',
      ResourceId: id,
      Status: compliant ? 'COMPLIANT' : 'NON_COMPLIANT',
      OverallSeverity: compliant ? 'UNSPECIFIED' : 'CRITICAL',
      NonCompliantSummary: {NonCompliantCount: compliant ? 0 : 3},
    })
    return {
      ResourceComplianceSummaryItems: [
        node('i-0patched', 'Patch', true),
        node('i-0patched', 'Association', true),
        node('i-0behind', 'Patch', false),
        node('i-0behind', 'Association', false),
      ],
    }
  })
  return sandbox
}

async function keyId(alias: string): Promise<string> {
  return (await new KMSClient({}).send(new DescribeKeyCommand({KeyId: alias}))).KeyMetadata!.KeyId!
}

async function taggedId(kind: 'volume' | 'snapshot', name: string): Promise<string> {
  const ec2 = new EC2Client({})
  const Filters = [{Name: 'tag:Name', Values: [name]}]
  return kind === 'volume'
    ? (await ec2.send(new DescribeVolumesCommand({Filters}))).Volumes![0].VolumeId!
    : (await ec2.send(new DescribeSnapshotsCommand({OwnerIds: ['self'], Filters}))).Snapshots![0].SnapshotId!
}

/** The id of the security group or the EC2 instance the seed named so. */
async function namedId(kind: 'security-group' | 'instance', name: string): Promise<string> {
  const ec2 = new EC2Client({})
  return kind === 'security-group'
    ? (await ec2.send(new DescribeSecurityGroupsCommand({Filters: [{Name: 'group-name', Values: [name]}]}))).SecurityGroups![0].GroupId!
    : (await ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'tag:Name', Values: [name]}]}))).Reservations![0].Instances![0].InstanceId!
}

const verdicts = (result: ComplianceResult) => new Map(result.findings.map((f) => [`${f.checkId} ${f.region} ${f.resourceId}`, f.status]))

describe('compliance check against the seeded estate (moto)', () => {
  let stubs: sinon.SinonSandbox
  beforeEach(async function () {
    this.timeout(60_000)
    await seedDemoEstate(await testSession(), [complianceSeeder])
    // moto builds its per-region CloudTrail backends lazily while listing shadow trails, which races when two
    // regions ask at once (an HTTP 500 real AWS never gives): build them all first.
    await new CloudTrailClient({}).send(new DescribeTrailsCommand({includeShadowTrails: true}))
    stubs = stubWhatMotoLacks()
  })
  afterEach(() => stubs.restore())

  // The sandbox's session: its stand-in gives moto's IAM credential report the root user AWS lists.
  const scan = async (options: Partial<Parameters<typeof runComplianceScan>[1]> = {}) =>
    runComplianceScan(await sandboxSession(), {
      checks: selectChecks({}),
      regions: REGIONS,
      accountId: ACCOUNT,
      failOn: 'informational',
      minRetentionDays: 30,
      ...options,
    })

  it('gives every resource the verdict its settings call for', async () => {
    const result = await scan()
    const buckets = complianceBuckets(ACCOUNT)
    const [rotating, unrotated, retired, signing] = await Promise.all(Object.values(COMPLIANCE_KEYS).map(keyId))
    const [privateServer, exposedServer] = await Promise.all([COMPLIANCE_DB_SERVERS.private, COMPLIANCE_DB_SERVERS.exposed].map((n) => namedId('instance', n)))
    const expected: Record<string, string> = {
      'rds-storage-encrypted us-east-1 compliance-good': 'PASS',
      'rds-storage-encrypted us-east-1 compliance-legacy': 'FAIL',
      'rds-cmk us-east-1 compliance-good': 'PASS',
      'rds-cmk us-east-1 compliance-aws-key': 'FAIL',
      'rds-cmk us-east-1 compliance-legacy': 'FAIL',
      'rds-multi-az us-east-1 compliance-good': 'PASS',
      'rds-multi-az us-east-1 compliance-legacy': 'FAIL',
      'rds-multi-az us-east-1 compliance-aurora-good': 'PASS',
      'rds-multi-az us-east-1 compliance-aurora-single': 'FAIL',
      'rds-backup-retention us-east-1 compliance-good': 'PASS',
      'rds-backup-retention us-east-1 compliance-legacy': 'FAIL',
      'rds-backup-retention us-east-1 compliance-aurora-good': 'PASS',
      'rds-backup-retention us-east-1 compliance-aurora-single': 'FAIL',
      'rds-pitr us-east-1 compliance-good': 'PASS',
      'rds-pitr us-east-1 compliance-legacy': 'FAIL',
      'rds-deletion-protection us-east-1 compliance-good': 'PASS',
      'rds-deletion-protection us-east-1 compliance-legacy': 'FAIL',
      'rds-deletion-protection us-east-1 compliance-aurora-good': 'PASS',
      'rds-deletion-protection us-east-1 compliance-aurora-single': 'FAIL',
      'rds-not-public us-east-1 compliance-good': 'PASS',
      'rds-not-public us-east-1 compliance-legacy': 'FAIL',
      'rds-minor-upgrade us-east-1 compliance-good': 'PASS',
      'rds-minor-upgrade us-east-1 compliance-legacy': 'FAIL',
      'rds-snapshot-encrypted us-east-1 compliance-good-manual': 'PASS',
      'rds-snapshot-encrypted us-east-1 compliance-legacy-shared': 'FAIL',
      'rds-snapshot-encrypted us-east-1 compliance-aurora-good-manual': 'PASS',
      'rds-snapshot-encrypted us-east-1 compliance-aurora-single-manual': 'FAIL',
      'rds-snapshot-private us-east-1 compliance-good-manual': 'PASS',
      'rds-snapshot-private us-east-1 compliance-legacy-shared': 'FAIL',
      'rds-snapshot-private us-east-1 compliance-aurora-good-manual': 'PASS',
      [`kms-rotation us-east-1 ${rotating}`]: 'PASS',
      [`kms-rotation us-east-1 ${unrotated}`]: 'FAIL',
      [`kms-not-pending-deletion us-east-1 ${rotating}`]: 'PASS',
      [`kms-not-pending-deletion us-east-1 ${retired}`]: 'FAIL',
      'cloudtrail-enabled us-east-1 us-east-1': 'PASS',
      'cloudtrail-enabled eu-west-1 eu-west-1': 'FAIL',
      'cloudtrail-multi-region us-east-1 us-east-1': 'FAIL',
      'cloudtrail-log-validation us-east-1 compliance-audit': 'PASS',
      'cloudtrail-log-validation eu-west-1 compliance-legacy': 'FAIL',
      'cloudtrail-kms us-east-1 compliance-audit': 'PASS',
      'cloudtrail-kms eu-west-1 compliance-legacy': 'FAIL',
      'cloudtrail-delivery us-east-1 compliance-audit': 'PASS',
      'cloudtrail-delivery eu-west-1 compliance-legacy': 'FAIL',
      'cloudtrail-security-trail us-east-1 us-east-1': 'FAIL',
      'config-recorder us-east-1 default': 'PASS',
      'config-recorder eu-west-1 default': 'FAIL',
      'config-delivery-channel us-east-1 default': 'PASS',
      'config-delivery-channel eu-west-1 eu-west-1': 'FAIL',
      'config-rules-compliant us-east-1 rds-storage-encrypted': 'PASS',
      'config-rules-compliant us-east-1 encrypted-volumes': 'FAIL',
      'ssm-patch us-east-1 i-0patched': 'PASS',
      'ssm-patch us-east-1 i-0behind': 'FAIL',
      'ssm-association us-east-1 i-0patched': 'PASS',
      'ssm-association us-east-1 i-0behind': 'FAIL',
      'ebs-default-encryption us-east-1 us-east-1': 'PASS',
      'ebs-default-encryption eu-west-1 eu-west-1': 'FAIL',
      [`ebs-volume-encrypted us-east-1 ${await taggedId('volume', 'compliance-encrypted')}`]: 'PASS',
      [`ebs-volume-encrypted us-east-1 ${await taggedId('volume', 'compliance-plain')}`]: 'FAIL',
      [`ebs-snapshot-encrypted us-east-1 ${await taggedId('snapshot', 'compliance-encrypted')}`]: 'PASS',
      [`ebs-snapshot-encrypted us-east-1 ${await taggedId('snapshot', 'compliance-plain')}`]: 'FAIL',
      [`s3-kms us-east-1 ${buckets.kms}`]: 'PASS',
      [`s3-kms us-east-1 ${buckets.sseS3}`]: 'FAIL',
      [`s3-kms eu-west-1 ${buckets.plain}`]: 'FAIL',
      [`rds-private-subnets us-east-1 ${COMPLIANCE_SUBNET_GROUPS.private}`]: 'PASS',
      [`rds-private-subnets us-east-1 ${COMPLIANCE_SUBNET_GROUPS.public}`]: 'FAIL',
      'ec2-db-port-not-public us-east-1 compliance-good': 'PASS',
      'ec2-db-port-not-public us-east-1 compliance-aurora-good': 'PASS',
      'ec2-db-port-not-public us-east-1 compliance-legacy': 'FAIL',
      [`ec2-db-port-not-public us-east-1 ${privateServer}`]: 'PASS',
      [`ec2-db-port-not-public us-east-1 ${exposedServer}`]: 'FAIL',
      [`ec2-ssh-rdp-not-public us-east-1 ${await namedId('security-group', 'opsctl-demo-bastion')}`]: 'PASS',
      [`ec2-ssh-rdp-not-public us-east-1 ${await namedId('security-group', 'opsctl-demo-exposed')}`]: 'FAIL',
      [`ec2-db-private us-east-1 ${privateServer}`]: 'PASS',
      [`ec2-db-private us-east-1 ${exposedServer}`]: 'FAIL',
      'iam-root-mfa us-east-1 123456789012': 'PASS',
      'iam-root-no-access-keys us-east-1 123456789012': 'FAIL',
      'iam-root-unused us-east-1 123456789012': 'FAIL',
      'rds-master-password-managed us-east-1 compliance-good': 'PASS',
      'rds-master-password-managed us-east-1 compliance-legacy': 'FAIL',
      [`secretsmanager-rotation us-east-1 ${COMPLIANCE_SECRETS.rotating}`]: 'PASS',
      [`secretsmanager-rotation us-east-1 ${COMPLIANCE_SECRETS.static}`]: 'FAIL',
      'cloudwatch-rds-cpu-alarm us-east-1 compliance-good': 'PASS',
      'cloudwatch-rds-cpu-alarm us-east-1 compliance-aurora-good': 'PASS',
      'cloudwatch-rds-cpu-alarm us-east-1 compliance-aws-key': 'FAIL',
    }
    const actual = verdicts(result)
    expect(Object.fromEntries(Object.keys(expected).map((key) => [key, actual.get(key)]))).to.deep.equal(expected)
    // Keys that cannot rotate automatically are not judged by kms-rotation.
    expect(actual.has(`kms-rotation us-east-1 ${signing}`)).to.equal(false)
    expect(actual.has(`kms-rotation us-east-1 ${retired}`)).to.equal(false)
    // Aurora members are judged through their cluster, never on their own, for Multi-AZ.
    expect([...actual.keys()].filter((k) => k.startsWith('rds-multi-az us-east-1 compliance-aurora-good-'))).to.deep.equal([])
    // The root user is judged once, in the scan's own region; the secrets RDS manages rotate (the seed turned it on).
    expect([...actual.keys()].filter((k) => k.startsWith('iam-root-') && !k.includes(' us-east-1 '))).to.deep.equal([])
    const rdsSecrets = result.findings.filter((f) => f.checkId === 'secretsmanager-rotation' && f.resourceId.startsWith('rds!'))
    expect(rdsSecrets.map((f) => f.status))
      .to.have.length.greaterThan(0)
      .and.to.satisfy((all: string[]) => all.every((s) => s === 'PASS'))
    // A Config rule without a verdict yet has no finding.
    expect(actual.has('config-rules-compliant us-east-1 s3-default-encryption-kms')).to.equal(false)
    expect(result.findings.filter((f) => f.status === 'ERROR')).to.deep.equal([])
    expect(result.verdict).to.equal('failed')
    for (const f of result.findings) expect(f.reason).to.contain(f.resourceId)
  })

  it('passes both account-wide trail checks in every region once a multi-region security trail logs, and fails them when it stops', async () => {
    const cloudtrail = new CloudTrailClient({})
    await cloudtrail.send(
      new CreateTrailCommand({
        Name: 'org-security',
        S3BucketName: complianceBuckets(ACCOUNT).kms,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        KmsKeyId: await keyId(COMPLIANCE_KEYS.rotating),
      }),
    )
    await cloudtrail.send(new PutEventSelectorsCommand({TrailName: 'org-security', EventSelectors: [{ReadWriteType: 'All', IncludeManagementEvents: true}]}))
    await cloudtrail.send(new StartLoggingCommand({Name: 'org-security'}))
    const wide = selectChecks({checkIds: ['cloudtrail-enabled', 'cloudtrail-multi-region', 'cloudtrail-security-trail']})
    const logging = verdicts(await scan({checks: wide}))
    for (const region of REGIONS) {
      for (const check of ['cloudtrail-enabled', 'cloudtrail-multi-region', 'cloudtrail-security-trail'])
        expect(logging.get(`${check} ${region} ${region}`), `${check} ${region}`).to.equal('PASS')
    }
    await cloudtrail.send(new StopLoggingCommand({Name: 'org-security'}))
    const stoppedResult = await scan({checks: wide})
    const stopped = verdicts(stoppedResult)
    expect(stoppedResult.findings.filter((f) => f.status === 'ERROR').map((f) => f.reason)).to.deep.equal([])
    expect(stopped.get('cloudtrail-multi-region eu-west-1 eu-west-1')).to.equal('FAIL')
    expect(stopped.get('cloudtrail-security-trail eu-west-1 eu-west-1')).to.equal('FAIL')
  })

  it('reads each inventory once per region, whatever the number of checks', async () => {
    const calls: AwsCall[] = []
    const result = await withinCallScope({calls}, () => scan())
    const times = (operation: string) => calls.filter((c) => c.operation === operation).length
    // (The stubbed Config and SSM calls bypass the client middleware, so they are not in the log.)
    for (const operation of [
      'DescribeDBInstances',
      'DescribeDBClusters',
      'DescribeDBSnapshots',
      'ListKeys',
      'DescribeTrails',
      'DescribeConfigurationRecorders',
      'GetEbsEncryptionByDefault',
      'DescribeVolumes',
      'ListBuckets',
      'DescribeSecurityGroups',
      'DescribeRouteTables',
      'DescribeInstances',
      'ListSecrets',
      'DescribeAlarms',
      'ListSubscriptions',
    ]) {
      expect(times(operation), operation).to.equal(REGIONS.length)
    }
    // Per-resource calls only where no list call can answer: one per key, per trail, per bucket, per manual snapshot.
    const keys = await Promise.all(REGIONS.map(async (region) => (await new KMSClient({region}).send(new ListKeysCommand({}))).Keys!.length))
    expect(times('DescribeKey'), 'one per key').to.equal(keys[0] + keys[1])
    expect(times('GetKeyRotationStatus'), 'only keys that can rotate').to.equal(result.findings.filter((f) => f.checkId === 'kms-rotation').length)
    expect(times('GetTrailStatus')).to.equal(2)
    expect(times('GetBucketEncryption')).to.equal(3)
    expect(times('DescribeDBSnapshotAttributes')).to.equal(2)
    expect(times('GetCredentialReport'), 'the root user is read once per scan').to.equal(1)
    expect(times('DescribeDBSubnetGroups'), 'DB instances carry their subnet group').to.equal(0)
    expect(times('ListResourceTags'), 'tags are fetched only for a mutelist that matches on tags').to.equal(0)
  })

  it('mutes failures that a mutelist entry matches, showing its reason, and no others', async () => {
    const mutelist = parseMutelist(
      [
        'mutelist:',
        '  - reason: Legacy reporting database, replaced in Q3 (OPS-1234).',
        '    check: rds-*',
        '    resource: compliance-legacy*',
        '  - reason: The EU region is being decommissioned.',
        '    region: eu-west-1',
        '    check: [cloudtrail-enabled, ebs-default-encryption]',
        '  - reason: Seeded demo data.',
        '    check: s3-kms',
        '    resource: "*"',
        '    tags: {env: production}',
      ].join('\n'),
      'mutelist.yaml',
      checks.map((c) => c.id),
    )
    const result = await scan({mutelist, failOn: 'high'})
    const muted = result.findings.filter((f) => f.status === 'MUTED')
    expect(muted.length).to.be.greaterThan(0)
    expect(new Set(muted.map((f) => f.muteReason))).to.deep.equal(
      new Set(['Legacy reporting database, replaced in Q3 (OPS-1234).', 'The EU region is being decommissioned.']),
    )
    expect(muted.filter((f) => f.checkId.startsWith('rds-')).every((f) => f.resourceId.startsWith('compliance-legacy'))).to.equal(true)
    const status = verdicts(result)
    expect(status.get('rds-not-public us-east-1 compliance-legacy')).to.equal('MUTED')
    expect(status.get('rds-cmk us-east-1 compliance-aws-key')).to.equal('FAIL')
    expect(status.get('cloudtrail-enabled eu-west-1 eu-west-1')).to.equal('MUTED')
    expect(status.get(`s3-kms us-east-1 ${complianceBuckets(ACCOUNT).sseS3}`), 'no bucket carries env=production').to.equal('FAIL')
    expect(status.get('rds-storage-encrypted us-east-1 compliance-good'), 'a PASS is never muted').to.equal('PASS')
  })
})

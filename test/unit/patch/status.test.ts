import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {
  DescribeInstanceInformationCommand,
  DescribeInstancePatchStatesCommand,
  GetInventoryCommand,
  ListComplianceItemsCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {AwsSession} from '../../../src/lib/aws/session.js'
import {writeJournal} from '../../../src/lib/engine/journal.js'
import type {RunRecord} from '../../../src/lib/engine/types.js'
import {PATCH_RUN_WORKFLOW} from '../../../src/lib/engine/workflow-names.js'
import {patchStatus} from '../../../src/lib/patch/status.js'
import {parseTargets} from '../../../src/lib/patch/targets.js'

// moto has no SSM inventory, compliance items, patch states or instance information: SDK mocks answer them.

const [I1, I2, I3] = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c']

/** A `patch run` journal with the outcome the lead's workflow records. */
const patchRun = (runId: string, startedAt: string, instances: object[], extra: Partial<RunRecord> = {}) =>
  writeJournal({
    runId,
    workflow: PATCH_RUN_WORKFLOW,
    opsctlVersion: '0.1.0',
    status: 'succeeded',
    dryRun: false,
    parameters: {},
    startedAt,
    metrics: {},
    warnings: [],
    steps: [],
    outcome: {plan: {waves: []}, instances},
    ...extra,
  } as RunRecord)

function fleetOfThree() {
  const ec2 = mockClient(EC2Client)
  const ssm = mockClient(SSMClient)
  const tags = (name: string, cluster?: string) => [{Key: 'Name', Value: name}, ...(cluster ? [{Key: 'opsctl:cluster', Value: cluster}] : [])]
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {InstanceId: I1, Tags: tags('pg-1', 'orders')},
          {InstanceId: I2, Tags: tags('pg-2', 'orders')},
          {InstanceId: I3, Tags: tags('pg-3')},
        ],
      },
    ],
  })
  ssm.on(DescribeInstanceInformationCommand).resolves({InstanceInformationList: [I1, I2, I3].map((InstanceId) => ({InstanceId, PingStatus: 'Online'}))})
  ssm.on(GetInventoryCommand).resolves({
    Entities: [
      {
        Id: I1,
        Data: {'AWS:Application': {TypeName: 'AWS:Application', SchemaVersion: '1.1', CaptureTime: '', Content: [{Name: 'postgresql15', Version: '15.8'}]}},
      },
      {
        Id: I2,
        Data: {
          'AWS:Application': {
            TypeName: 'AWS:Application',
            SchemaVersion: '1.1',
            CaptureTime: '',
            Content: [{Name: 'postgresql15-server', Version: '15.6-1.amzn2023'}],
          },
        },
      },
    ],
  })
  const item = (Status: 'COMPLIANT' | 'NON_COMPLIANT', Severity: 'HIGH' | 'UNSPECIFIED') => ({
    ComplianceItems: [
      {Id: 'postgresql', ComplianceType: 'Custom:opsctl-postgresql', Status, Severity, ExecutionSummary: {ExecutionTime: new Date('2026-12-01T03:20:00Z')}},
    ],
  })
  ssm.on(ListComplianceItemsCommand, {ResourceIds: [I1]}).resolves(item('COMPLIANT', 'UNSPECIFIED'))
  ssm.on(ListComplianceItemsCommand, {ResourceIds: [I2]}).resolves(item('NON_COMPLIANT', 'HIGH'))
  ssm.on(ListComplianceItemsCommand, {ResourceIds: [I3]}).resolves({ComplianceItems: []})
  ssm.on(DescribeInstancePatchStatesCommand).resolves({
    InstancePatchStates: [
      {
        InstanceId: I2,
        PatchGroup: 'postgres',
        BaselineId: 'pb-0123456789abcdef0',
        MissingCount: 2,
        FailedCount: 1,
        InstalledPendingRebootCount: 1,
        Operation: 'Scan',
        OperationStartTime: new Date('2026-12-01T02:00:00Z'),
        OperationEndTime: new Date('2026-12-01T02:05:00Z'),
      },
    ],
  })
  return {ec2, ssm}
}

describe('patch status', () => {
  let mocks: ReturnType<typeof fleetOfThree>
  beforeEach(() => {
    mocks = fleetOfThree()
  })
  afterEach(() => {
    mocks.ec2.restore()
    mocks.ssm.restore()
  })

  const status = async () =>
    patchStatus(
      await AwsSession.open({region: 'us-east-1'}),
      {spec: parseTargets({targets: ['tag:Role=postgres']}), package: 'postgresql'},
      new Date('2026-12-02T09:00:00Z'),
    )

  it('shows per instance its last patch run, installed version, compliance and Patch Manager state', async () => {
    await patchRun('20261124T031500Z-aaaaaa', '2026-11-24T03:15:00.000Z', [
      {instanceId: I1, region: 'us-east-1', wave: 1, result: 'patched', fromVersion: '15.6', toVersion: '15.8'},
    ])
    await patchRun(
      '20261201T031500Z-bbbbbb',
      '2026-12-01T03:15:00.000Z',
      [
        {
          instanceId: I2,
          region: 'us-east-1',
          wave: 0,
          result: 'rolled-back',
          fromVersion: '15.6',
          snapshotId: 'snap-0123456789abcdef0',
          finishedAt: '2026-12-01T03:40:00.000Z',
        },
      ],
      {status: 'failed'},
    )
    // The newest run is a dry run: it patched nothing, so it is nobody's last run.
    await patchRun('20261202T080000Z-cccccc', '2026-12-02T08:00:00.000Z', [{instanceId: I1, region: 'us-east-1', wave: 0, result: 'skipped'}], {
      dryRun: true,
      status: 'planned',
    })
    const report = await status()
    expect(report).to.deep.equal({
      checkedAt: '2026-12-02T09:00:00.000Z',
      package: 'postgresql',
      complianceType: 'Custom:opsctl-postgresql',
      instances: [
        {
          instanceId: I1,
          name: 'pg-1',
          region: 'us-east-1',
          cluster: 'orders',
          lastRun: {
            runId: '20261124T031500Z-aaaaaa',
            startedAt: '2026-11-24T03:15:00.000Z',
            runStatus: 'succeeded',
            result: 'patched',
            fromVersion: '15.6',
            toVersion: '15.8',
          },
          installedVersion: '15.8',
          compliance: {status: 'COMPLIANT', severity: 'UNSPECIFIED', executionTime: '2026-12-01T03:20:00.000Z'},
        },
        {
          instanceId: I2,
          name: 'pg-2',
          region: 'us-east-1',
          cluster: 'orders',
          lastRun: {
            runId: '20261201T031500Z-bbbbbb',
            startedAt: '2026-12-01T03:15:00.000Z',
            runStatus: 'failed',
            result: 'rolled-back',
            fromVersion: '15.6',
            snapshotId: 'snap-0123456789abcdef0',
            finishedAt: '2026-12-01T03:40:00.000Z',
          },
          installedVersion: '15.6',
          compliance: {status: 'NON_COMPLIANT', severity: 'HIGH', executionTime: '2026-12-01T03:20:00.000Z'},
          patchManager: {
            missing: 2,
            failed: 1,
            installedPendingReboot: 1,
            operation: 'Scan',
            operationEndTime: '2026-12-01T02:05:00.000Z',
            baselineId: 'pb-0123456789abcdef0',
          },
        },
        {instanceId: I3, name: 'pg-3', region: 'us-east-1'},
      ],
    })
  })

  it('takes the newest run that reached an instance, whatever older runs said', async () => {
    await patchRun('20261124T031500Z-aaaaaa', '2026-11-24T03:15:00.000Z', [{instanceId: I3, region: 'us-east-1', wave: 1, result: 'failed'}])
    await patchRun('20261201T031500Z-bbbbbb', '2026-12-01T03:15:00.000Z', [
      {instanceId: I3, region: 'us-east-1', wave: 2, result: 'not-needed', fromVersion: '15.8'},
    ])
    const [, , third] = (await status()).instances
    expect(third.lastRun).to.include({runId: '20261201T031500Z-bbbbbb', result: 'not-needed'})
  })

  it("reads a run that stopped from its journalled progress, and passes over one that stopped before an instance's wave", async () => {
    await patchRun('20261201T031500Z-cccccc', '2026-12-01T03:15:00.000Z', [{instanceId: I2, region: 'us-east-1', wave: 0, result: 'patched'}])
    const stopped = {
      status: 'failed',
      outcome: undefined,
      steps: [
        {
          id: 'plan-waves',
          outputs: {
            waves: [
              {index: 0, canary: true, instanceIds: [I1]},
              {index: 1, canary: false, instanceIds: [I2]},
            ],
            notNeeded: [],
            skipped: [],
            maxErrors: 0,
          },
        },
        {
          id: 'patch-waves',
          checkpoint: {instances: [{instanceId: I1, region: 'us-east-1', wave: 0, phase: 'done', result: 'rolled-back', snapshotId: 'snap-1'}]},
        },
      ],
    } as unknown as Partial<RunRecord>
    await patchRun('20261202T031500Z-dddddd', '2026-12-02T03:15:00.000Z', [], stopped)
    const [first, second] = (await status()).instances
    expect(first.lastRun).to.include({runId: '20261202T031500Z-dddddd', runStatus: 'failed', result: 'rolled-back', snapshotId: 'snap-1'})
    expect(second.lastRun).to.include({runId: '20261201T031500Z-cccccc', result: 'patched'})
  })

  it('reads Patch Manager 50 instances a call and compliance one instance a call, as SSM takes them', async () => {
    await status()
    expect(mocks.ssm.commandCalls(DescribeInstancePatchStatesCommand).map((c) => c.args[0].input.InstanceIds)).to.deep.equal([[I1, I2, I3]])
    expect(mocks.ssm.commandCalls(ListComplianceItemsCommand).map((c) => c.args[0].input.ResourceIds)).to.have.deep.members([[I1], [I2], [I3]])
    expect(mocks.ssm.commandCalls(GetInventoryCommand)).to.have.length(1)
  })

  it('refuses targets that match no instance, reading nothing else', async () => {
    mocks.ec2.on(DescribeInstancesCommand).resolves({Reservations: []})
    const refused = await status().catch((error) => error)
    expect(refused).to.have.property('exitCode', 2)
    expect(refused.message).to.match(/^--targets tag:Role=postgres matches no running instance in us-east-1/)
    expect(mocks.ssm.commandCalls(ListComplianceItemsCommand)).to.have.length(0)
  })
})

import {
  ListComplianceItemsCommand,
  PutComplianceItemsCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  SSMClient,
  type SSMClientResolvedConfig,
} from '@aws-sdk/client-ssm'
import {type AwsStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {complianceItems, putComplianceRecord} from '../../../src/lib/aws/ssm-compliance.js'

describe('SSM Compliance items (SDK mocks: moto has no compliance API)', () => {
  let ssm: AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>
  const client = new SSMClient({region: 'us-east-1'})
  // Mocked only while these tests run: other files keep the real client.
  before(() => {
    ssm = mockClient(SSMClient)
  })
  beforeEach(() => ssm.reset())
  after(() => ssm.restore())

  it('writes one instance a call, replacing what the type held (UploadType COMPLETE), with the run as its execution', async () => {
    ssm.on(PutComplianceItemsCommand).resolves({})
    const executionTime = new Date('2026-12-02T12:00:00Z')
    await putComplianceRecord(client, {
      instanceId: 'i-0123456789abcdef0',
      complianceType: 'Custom:opsctl-postgresql',
      itemId: 'postgresql',
      title: 'postgresql 15.4 (minimum 15.8)',
      status: 'NON_COMPLIANT',
      severity: 'HIGH',
      details: {InstalledVersion: '15.4', MinimumVersion: '15.8'},
      executionTime,
      executionId: '20261202T120000Z-abcdef',
    })
    expect(ssm.commandCalls(PutComplianceItemsCommand).map((c) => c.args[0].input)).to.deep.equal([
      {
        ResourceId: 'i-0123456789abcdef0',
        ResourceType: 'ManagedInstance',
        ComplianceType: 'Custom:opsctl-postgresql',
        ExecutionSummary: {ExecutionTime: executionTime, ExecutionId: '20261202T120000Z-abcdef', ExecutionType: 'Command'},
        Items: [
          {
            Id: 'postgresql',
            Title: 'postgresql 15.4 (minimum 15.8)',
            Status: 'NON_COMPLIANT',
            Severity: 'HIGH',
            Details: {InstalledVersion: '15.4', MinimumVersion: '15.8'},
          },
        ],
        UploadType: 'COMPLETE',
      },
    ])
  })

  it("reads an instance's items of one type, every page", async () => {
    ssm
      .on(ListComplianceItemsCommand)
      .resolvesOnce({ComplianceItems: [{Id: 'postgresql', Status: 'NON_COMPLIANT'}], NextToken: 'page-2'})
      .resolvesOnce({ComplianceItems: [{Id: 'postgresql-contrib', Status: 'COMPLIANT'}]})
    const items = await complianceItems(client, 'i-0123456789abcdef0', 'Custom:opsctl-postgresql')
    expect(items.map((i) => [i.Id, i.Status])).to.deep.equal([
      ['postgresql', 'NON_COMPLIANT'],
      ['postgresql-contrib', 'COMPLIANT'],
    ])
    const inputs = ssm.commandCalls(ListComplianceItemsCommand).map((c) => c.args[0].input)
    // The SDK's paginator sends the same input again with the next token set on it.
    expect(inputs).to.have.length(2)
    expect(inputs[1].NextToken).to.equal('page-2')
    expect(inputs[0]).to.deep.include({
      ResourceIds: ['i-0123456789abcdef0'],
      ResourceTypes: ['ManagedInstance'],
      Filters: [{Key: 'ComplianceType', Values: ['Custom:opsctl-postgresql'], Type: 'EQUAL'}],
    })
  })
})

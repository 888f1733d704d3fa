import {DynamoDBClient, UpdateItemCommand} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createShard} from '../../support/tenants.js'

describe('compliance check tenant-residency against provisioned tenants (e2e)', () => {
  beforeEach(async function () {
    this.timeout(30_000)
    expect((await opsctl(['tenant', 'init'])).code).to.equal(0)
    await createShard('jira-eu', 'jira', 'eu-central-1', 5)
    const provisioned = await opsctl(['tenant', 'provision', 'acme', '--site', 'acme', '--products', 'jira', '--residency', 'EU'])
    expect(provisioned.code, provisioned.stderr).to.equal(0)
  })

  const check = async () => parseJson(await opsctl(['compliance', 'check', '--checks', 'tenant-residency', '--regions', 'us-east-1,eu-central-1', '--json']))

  it('passes a pinned tenant whose products and shard stay in its location', async () => {
    const {status, result} = await check()
    expect(status).to.equal(0)
    expect(result.findings.map((f: {resourceId: string; status: string}) => `${f.resourceId} ${f.status}`).sort()).to.deep.equal(['acme PASS', 'jira-eu PASS'])
  })

  it('fails, exit 3, a pinned tenant with a product outside its location', async () => {
    await new DynamoDBClient({}).send(
      new UpdateItemCommand({
        TableName: 'opsctl-tenants',
        Key: {pk: {S: 'TENANT#acme'}, sk: {S: 'CONTEXT'}},
        UpdateExpression: 'SET products.jira.#region = :us',
        ExpressionAttributeNames: {'#region': 'region'},
        ExpressionAttributeValues: {':us': {S: 'us-east-1'}},
      }),
    )
    const {status, result} = await check()
    expect(status).to.equal(3)
    expect(result.findings.find((f: {resourceId: string}) => f.resourceId === 'acme').reason).to.equal(
      'Tenant acme is pinned to EU (eu-central-1, eu-west-1), but jira is in us-east-1.',
    )
  })
})

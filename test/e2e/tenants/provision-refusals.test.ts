import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createShard, tenantEstate} from '../../support/tenants.js'

const provision = (...args: string[]) => opsctl(['tenant', 'provision', ...args])
const oneSentence = (stderr: string) => {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).to.have.length(1)
  return lines[0]
}

/** Bad input: one sentence, exit 2, nothing created (issue 11, "Bad input"). */
describe('tenant provision refuses bad input with exit 2 and creates nothing (e2e)', () => {
  it('refuses a missing table, saying how to create it', async () => {
    const result = await provision('acme', '--site', 'acme', '--products', 'jira', '--residency', 'EU')
    expect(result.code).to.equal(2)
    expect(oneSentence(result.stderr)).to.equal(
      'Error: There is no tenant table opsctl-tenants in us-east-1; create it with "opsctl tenant init" (or pass --table / --home-region).',
    )
  })

  describe('with the table and shards', () => {
    beforeEach(async function () {
      this.timeout(30_000)
      expect((await opsctl(['tenant', 'init'])).code).to.equal(0)
      await createShard('jira-eu', 'jira', 'eu-central-1', 1)
    })

    const identity = (name: string, text: string) => {
      const file = join(process.env.OPSCTL_HOME!, name)
      writeFileSync(file, text)
      return file
    }

    const cases: [string, () => string[], RegExp][] = [
      ['an invalid tenant id', () => ['Acme!', '--site', 'acme', '--products', 'jira'], /^Error: "Acme!" is not a tenant id: use 2–63 lowercase letters/],
      [
        'a site name that is not a DNS label',
        () => ['acme', '--site', 'acme_site', '--products', 'jira'],
        /^Error: "acme_site" is not a site name: a site name is a DNS label/,
      ],
      ['an unknown product', () => ['acme', '--site', 'acme', '--products', 'jira,jiraa'], /^Error: Unknown product "jiraa"; did you mean jira\?$/],
      [
        'an unknown location',
        () => ['acme', '--site', 'acme', '--products', 'jira', '--residency', 'FR'],
        /^Error: Unknown location "FR"; the locations are US, EU, GB, DE, CH, AU, CA, IN, JP, SG, KR\.$/,
      ],
      [
        'residency for a product that does not offer it',
        () => ['acme', '--site', 'acme', '--products', 'jira,trello', '--residency', 'EU'],
        /^Error: Data residency is not offered for Trello; it is offered for Jira, Jira Service Management, Jira Product Discovery, Confluence/,
      ],
      [
        'seats below 1',
        () => ['acme', '--site', 'acme', '--products', 'jira', '--seats', 'jira=0'],
        /^Error: --seats jira=0: seats are a whole number of at least 1\.$/,
      ],
      [
        'an identity file that does not parse',
        () => ['acme', '--site', 'acme', '--products', 'jira', '--identity', identity('bad.yaml', 'users: [')],
        /^Error: Identity file .*bad\.yaml: it does not parse/,
      ],
      [
        'an identity file with an unknown permission',
        () => ['acme', '--site', 'acme', '--products', 'jira', '--identity', identity('perm.yaml', 'groups:\n  - {name: admins, permissions: [root]}\n')],
        /^Error: Identity file .*perm\.yaml: group admins names the unknown permission "root"; the permissions are administer-site/,
      ],
      [
        'a location with no room',
        () => ['acme', '--site', 'acme', '--products', 'jira', '--residency', 'JP'],
        /^Error: No Jira shard in ap-northeast-1 \(JP\) has room for another tenant; add one/,
      ],
    ]
    for (const [what, args, message] of cases) {
      it(`refuses ${what}`, async () => {
        const result = await provision(...args())
        expect(result.code, result.stderr).to.equal(2)
        expect(oneSentence(result.stderr)).to.match(message)
        expect((await tenantEstate(['eu-central-1'])).filter((i) => !i.startsWith('SHARD#'))).to.deep.equal([])
      })
    }

    it('refuses a tenant id and a site name that are taken, and leaves the first tenant as it was', async () => {
      const first = await provision('acme', '--site', 'acme', '--products', 'jira', '--residency', 'EU', '--json')
      expect(first.code, first.stderr).to.equal(0)
      const before = await tenantEstate(['eu-central-1'])
      const sameId = await provision('acme', '--site', 'other', '--products', 'jira', '--residency', 'EU')
      expect(sameId.code).to.equal(2)
      expect(oneSentence(sameId.stderr)).to.equal('Error: Tenant acme already exists (site acme); choose another tenant id.')
      const sameSite = await provision('globex', '--site', 'acme', '--products', 'jira', '--residency', 'EU', '--json')
      expect(sameSite.code).to.equal(2)
      expect(parseJson(sameSite).error!.message).to.equal('The site name acme is taken by tenant acme; choose another --site.')
      expect(await tenantEstate(['eu-central-1'])).to.deep.equal(before)
    })
  })
})

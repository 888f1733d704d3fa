import {execFileSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {expect} from 'chai'
import {loadRunbookFile} from '../../../src/lib/runbook/document.js'
import {nextOnSuccess, type StepNode, stepNodes} from '../../../src/lib/runbook/graph.js'
import {derivePolicy} from '../../../src/lib/runbook/plan.js'
import {interpolate} from '../../../src/lib/runbook/references.js'
import {validateRunbook} from '../../../src/lib/runbook/validate.js'

const file = fileURLToPath(new URL('../../../runbooks/opsctl-PatchPostgreSQL.yaml', import.meta.url))
const runbook = await loadRunbookFile(file)
const nodes = stepNodes(runbook.document!)
const byName = new Map(nodes.map((n) => [n.name, n]))
const inputsOf = (name: string): Record<string, any> => byName.get(name)!.step.inputs!

/** The steps a run takes from `first` while every step succeeds (a branch takes its Default). */
function successPath(first: string): string[] {
  const path: string[] = []
  for (let node: StepNode | undefined = byName.get(first); node; ) {
    path.push(node.name)
    const next = node.step.action === 'aws:branch' ? node.step.inputs?.Default : nextOnSuccess(node)
    node = next === undefined ? undefined : byName.get(String(next))
  }
  return path
}

/** The shell script a Run Command step sends, with the document's parameters filled in. */
function script(step: string, parameters: Record<string, string>): string {
  const commands = inputsOf(step).Parameters.commands as string[]
  return (interpolate(commands, (r) => (r.kind === 'parameter' ? parameters[r.name] : `<${r.text}>`)) as string[]).join('\n')
}

/** Runs a script under /bin/sh with only the given programs on PATH (fakes written here, real ones linked). */
function runScript(text: string, programs: {fakes?: Record<string, string>; real?: string[]}): {code: number; stdout: string; stderr: string} {
  const bin = mkdtempSync(join(tmpdir(), 'opsctl-patch-bin-'))
  for (const [name, body] of Object.entries(programs.fakes ?? {})) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  for (const name of programs.real ?? []) symlinkSync(execFileSync('/bin/sh', ['-c', `command -v ${name}`], {encoding: 'utf8'}).trim(), join(bin, name))
  try {
    const stdout = execFileSync('/bin/sh', ['-c', text], {env: {PATH: bin, CALLS: join(bin, 'calls')}, encoding: 'utf8', stdio: 'pipe'})
    return {code: 0, stdout, stderr: '', ...calls(bin)}
  } catch (error) {
    const {status, stdout, stderr} = error as {status: number; stdout: string; stderr: string}
    return {code: status, stdout, stderr}
  }
}
const calls = (bin: string) => {
  try {
    return {calls: readFileSync(join(bin, 'calls'), 'utf8')}
  } catch {
    return {}
  }
}

describe('runbook opsctl-PatchPostgreSQL', () => {
  it('validates with no error and no warning', () => {
    expect(validateRunbook(runbook).map((d) => `${d.severity}: ${d.message}`)).to.deep.equal([])
  })

  it('takes the parameters issue 13 agreed on, with their defaults', () => {
    const parameters = runbook.document!.parameters!
    expect(Object.keys(parameters)).to.deep.equal([
      'InstanceId',
      'TargetVersion',
      'Package',
      'DataDeviceName',
      'NotificationTopicArn',
      'RunId',
      'AutomationAssumeRole',
    ])
    expect(parameters.Package.default).to.equal('postgresql')
    expect(parameters.DataDeviceName.default).to.equal('/dev/sdf')
    for (const name of ['NotificationTopicArn', 'RunId', 'AutomationAssumeRole']) expect(parameters[name].default, name).to.equal('')
  })

  it('runs the happy path in the agreed steps, each aimed at {{ InstanceId }}', () => {
    expect(successPath('stopPostgreSQL')).to.deep.equal([
      'stopPostgreSQL',
      'findDataVolume',
      'snapshotDataVolume',
      'waitForSnapshot',
      'upgradePostgreSQL',
      'startPostgreSQL',
      'verifyVersion',
      'recordCompliant',
    ])
    for (const node of nodes.filter((n) => n.step.action === 'aws:runCommand'))
      expect(inputsOf(node.name).InstanceIds, node.name).to.deep.equal(['{{ InstanceId }}'])
  })

  it('rolls back in the agreed steps, entered from any failure or cancel after the snapshot, and notifies only when a topic is given', () => {
    expect(successPath('rollbackStopPostgreSQL')).to.deep.equal([
      'rollbackStopPostgreSQL',
      'createRestoredVolume',
      'waitForRestoredVolume',
      'detachDataVolume',
      'waitForDetach',
      'attachRestoredVolume',
      'waitForAttach',
      'tagReplacedVolume',
      'rollbackStartPostgreSQL',
      'verifyRunning',
      'shouldNotify',
      'notifyFailure',
      'recordNonCompliant',
    ])
    for (const name of ['upgradePostgreSQL', 'startPostgreSQL', 'verifyVersion']) {
      expect(byName.get(name)!.step, name).to.include({onFailure: 'step:rollbackStopPostgreSQL', onCancel: 'step:rollbackStopPostgreSQL', isCritical: true})
    }
    expect(inputsOf('shouldNotify').Choices).to.deep.equal([{NextStep: 'recordNonCompliant', Variable: '{{ NotificationTopicArn }}', StringEquals: ''}])
  })

  it('starts PostgreSQL again, with nothing to roll back, when a step before the snapshot completes fails, and fails the run', () => {
    for (const name of ['stopPostgreSQL', 'findDataVolume', 'snapshotDataVolume', 'waitForSnapshot']) {
      expect(byName.get(name)!.step, name).to.include({onFailure: 'step:startPostgreSQLAgain', isCritical: true})
    }
    expect(successPath('startPostgreSQLAgain')).to.deep.equal(['startPostgreSQLAgain'])
  })

  it('gives a least-privilege policy that covers the rollback and never deletes a volume', async () => {
    const {actions, unresolved} = await derivePolicy(runbook)
    expect(actions).to.deep.equal([
      'ec2:AttachVolume',
      'ec2:CreateSnapshot',
      'ec2:CreateTags',
      'ec2:CreateVolume',
      'ec2:DescribeSnapshots',
      'ec2:DescribeVolumes',
      'ec2:DetachVolume',
      'sns:Publish',
      'ssm:ListCommandInvocations',
      'ssm:PutComplianceItems',
      'ssm:SendCommand',
    ])
    expect(unresolved).to.deep.equal([])
    expect(readFileSync(file, 'utf8')).not.to.contain('DeleteVolume')
    const deleting = nodes.filter((n) => /^(delete|terminate)/i.test(String(n.step.inputs?.Api ?? n.step.action).replace('aws:', '')))
    expect(deleting.map((n) => n.name)).to.deep.equal([])
  })

  describe('the version check on the instance', () => {
    const check = (target: string, psql: string | undefined) =>
      runScript(script('verifyVersion', {TargetVersion: target}), {
        fakes: psql === undefined ? {} : {psql: `echo 'psql (PostgreSQL) ${psql}'`},
        real: ['grep', 'sort', 'head'],
      })

    it('accepts a version at or above the target, ordering versions by number', () => {
      expect(check('15.8', '15.8')).to.include({code: 0, stdout: '15.8\n'})
      expect(check('15.8', '15.10 (Ubuntu 15.10-1.pgdg22.04+1)')).to.include({code: 0, stdout: '15.10\n'})
      expect(check('9.6.24', '10.1')).to.include({code: 0})
    })

    it('fails below the target or without psql, saying which version it found', () => {
      expect(check('15.10', '15.9')).to.include({code: 1, stderr: 'PostgreSQL 15.9 is below 15.10\n'})
      expect(check('10.1', '9.6.24')).to.include({code: 1})
      expect(check('15.8', undefined)).to.include({code: 1})
    })
  })

  describe('the upgrade on the instance', () => {
    const record = (name: string) => `echo "${name} $*" >> "$CALLS"`
    const upgrade = (fakes: Record<string, string>) => runScript(script('upgradePostgreSQL', {Package: 'postgresql'}), {fakes})

    it('upgrades every installed package of the name with dnf, else yum', () => {
      expect(upgrade({dnf: record('dnf'), yum: record('yum')})).to.deep.include({code: 0, calls: 'dnf -y upgrade postgresql*\n'})
      expect(upgrade({yum: record('yum')})).to.deep.include({code: 0, calls: 'yum -y update postgresql*\n'})
    })

    it('upgrades only the installed packages of the name with apt-get', () => {
      const result = upgrade({'apt-get': record('apt-get'), 'dpkg-query': `[ "$3" = 'postgresql*' ] && printf 'postgresql-15\\npostgresql-client-15\\n'`})
      expect(result).to.deep.include({
        code: 0,
        calls: 'apt-get update -q\napt-get install -y -q --only-upgrade postgresql-15 postgresql-client-15\n',
      })
    })

    it('fails, saying why, on an instance with no package manager it knows', () => {
      expect(upgrade({})).to.include({code: 1, stderr: 'no dnf, yum or apt-get on this instance\n'})
    })
  })
  describe('the rollback on the instance', () => {
    it('stops PostgreSQL and unmounts the data volume before it is detached', () => {
      const result = runScript(script('rollbackStopPostgreSQL', {DataDeviceName: '/dev/sdf'}), {
        fakes: {
          systemctl: `echo "systemctl $*" >> "$CALLS"`,
          findmnt: `[ "$5" = /dev/sdf ] && echo /var/lib/pgsql`,
          umount: `echo "umount $*" >> "$CALLS"`,
        },
        real: ['tr'],
      })
      expect(result).to.deep.include({code: 0, calls: 'systemctl stop postgresql\numount /var/lib/pgsql\n'})
    })
  })
})

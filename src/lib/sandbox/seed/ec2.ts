import {DescribeImagesCommand, DescribeInstancesCommand, EC2Client, type Instance, RunInstancesCommand} from '@aws-sdk/client-ec2'

import {OpsctlError} from '../../errors/errors.js'
import type {Seeder} from './seeder.js'

export const POSTGRES_HOSTS = ['opsctl-demo-postgres-1', 'opsctl-demo-postgres-2']

/** The newest Amazon Linux 2 image the region offers (moto ships a fixed catalogue of real AMIs). */
async function amazonLinuxImage(ec2: EC2Client): Promise<string> {
  const {Images = []} = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['amazon'],
      Filters: [
        {Name: 'name', Values: ['amzn2-ami-hvm-*-x86_64-gp2']},
        {Name: 'state', Values: ['available']},
      ],
    }),
  )
  const newest = Images.sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0]
  if (!newest?.ImageId)
    throw new OpsctlError('No Amazon Linux 2 image (amzn2-ami-hvm-*-x86_64-gp2) is offered in this region, so the demo PostgreSQL hosts cannot be launched.')
  return newest.ImageId
}

async function findHost(ec2: EC2Client, name: string): Promise<Instance | undefined> {
  const {Reservations = []} = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        {Name: 'tag:Name', Values: [name]},
        {Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']},
      ],
    }),
  )
  return Reservations.flatMap((r) => r.Instances ?? [])[0]
}

/** Self-managed PostgreSQL hosts, the fleet the SSM patch runbooks target (tag Role=postgres). */
export const ec2Seeder: Seeder = {
  name: 'ec2',
  async seed(session, report) {
    const ec2 = session.client(EC2Client)
    let imageId: string | undefined
    for (const name of POSTGRES_HOSTS) {
      await report.ensure(
        'ec2-instance',
        name,
        () => findHost(ec2, name),
        async () => {
          imageId ??= await amazonLinuxImage(ec2)
          const {Instances} = await ec2.send(
            new RunInstancesCommand({
              ImageId: imageId,
              InstanceType: 't3.micro',
              MinCount: 1,
              MaxCount: 1,
              TagSpecifications: [
                {
                  ResourceType: 'instance',
                  Tags: [
                    {Key: 'Name', Value: name},
                    {Key: 'Role', Value: 'postgres'},
                  ],
                },
              ],
            }),
          )
          return Instances![0]
        },
      )
    }
  },
}

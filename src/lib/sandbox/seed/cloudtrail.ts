import {CloudTrailClient, CreateTrailCommand, GetTrailCommand, StartLoggingCommand, TrailNotFoundException} from '@aws-sdk/client-cloudtrail'
import {CreateBucketCommand, HeadBucketCommand, NotFound, PutBucketPolicyCommand, S3Client} from '@aws-sdk/client-s3'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'

import {type Seeder, unlessMissing} from './seeder.js'

export const TRAIL_NAME = 'opsctl-demo-trail'
/** Bucket names are global, so the account id keeps this one unique. */
export const trailBucketName = (account: string) => `opsctl-demo-trail-${account}`

/** The bucket policy CloudTrail requires before it delivers logs: read the ACL, write under AWSLogs/<account>/. */
function trailBucketPolicy(bucket: string, account: string, trailArn: string): string {
  const fromThisTrail = {StringEquals: {'aws:SourceArn': trailArn}}
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AWSCloudTrailAclCheck',
        Effect: 'Allow',
        Principal: {Service: 'cloudtrail.amazonaws.com'},
        Action: 's3:GetBucketAcl',
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: fromThisTrail,
      },
      {
        Sid: 'AWSCloudTrailWrite',
        Effect: 'Allow',
        Principal: {Service: 'cloudtrail.amazonaws.com'},
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${bucket}/AWSLogs/${account}/*`,
        Condition: {StringEquals: {...fromThisTrail.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control'}},
      },
    ],
  })
}

/** A multi-region trail with log file validation, logging to its own S3 bucket. */
export const cloudTrailSeeder: Seeder = {
  name: 'cloudtrail',
  async seed(session, report) {
    const {Account: account} = await session.client(STSClient).send(new GetCallerIdentityCommand({}))
    const s3 = session.client(S3Client)
    const cloudtrail = session.client(CloudTrailClient)
    const bucket = trailBucketName(account!)
    const trailArn = `arn:aws:cloudtrail:${session.region}:${account}:trail/${TRAIL_NAME}`

    await report.ensure(
      's3-bucket',
      bucket,
      () => unlessMissing(s3.send(new HeadBucketCommand({Bucket: bucket})), NotFound),
      async () => {
        // The sandbox's region is us-east-1, where a bucket takes no location constraint.
        const created = await s3.send(new CreateBucketCommand({Bucket: bucket}))
        await s3.send(new PutBucketPolicyCommand({Bucket: bucket, Policy: trailBucketPolicy(bucket, account!, trailArn)}))
        return created
      },
    )

    const findTrail = () =>
      unlessMissing(
        cloudtrail.send(new GetTrailCommand({Name: TRAIL_NAME})).then((r) => r.Trail),
        TrailNotFoundException,
      )
    await report.ensure('cloudtrail-trail', TRAIL_NAME, findTrail, async () => {
      const trail = await cloudtrail.send(
        new CreateTrailCommand({
          Name: TRAIL_NAME,
          S3BucketName: bucket,
          IsMultiRegionTrail: true,
          EnableLogFileValidation: true,
        }),
      )
      await cloudtrail.send(new StartLoggingCommand({Name: TRAIL_NAME}))
      return trail
    })
  },
}

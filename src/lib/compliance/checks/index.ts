import type {Check} from '../types.js'
import {cloudtrailDelivery} from './cloudtrail-delivery.js'
import {cloudtrailEnabled} from './cloudtrail-enabled.js'
import {cloudtrailKms} from './cloudtrail-kms.js'
import {cloudtrailLogValidation} from './cloudtrail-log-validation.js'
import {cloudtrailMultiRegion} from './cloudtrail-multi-region.js'
import {cloudtrailSecurityTrail} from './cloudtrail-security-trail.js'
import {cloudwatchRdsCpuAlarm} from './cloudwatch-rds-cpu-alarm.js'
import {configDeliveryChannel} from './config-delivery-channel.js'
import {configRecorder} from './config-recorder.js'
import {configRulesCompliant} from './config-rules-compliant.js'
import {datakeyUsageLimits} from './datakey-usage-limits.js'
import {ebsDefaultEncryption} from './ebs-default-encryption.js'
import {ebsSnapshotEncrypted} from './ebs-snapshot-encrypted.js'
import {ebsVolumeEncrypted} from './ebs-volume-encrypted.js'
import {ec2DbPortNotPublic} from './ec2-db-port-not-public.js'
import {ec2DbPrivate} from './ec2-db-private.js'
import {ec2SshRdpNotPublic} from './ec2-ssh-rdp-not-public.js'
import {iamRootMfa} from './iam-root-mfa.js'
import {iamRootNoAccessKeys} from './iam-root-no-access-keys.js'
import {iamRootUnused} from './iam-root-unused.js'
import {kmsNotPendingDeletion} from './kms-not-pending-deletion.js'
import {kmsRotation} from './kms-rotation.js'
import {kmsRotationPeriod} from './kms-rotation-period.js'
import {rdsBackupRetention} from './rds-backup-retention.js'
import {rdsCmk} from './rds-cmk.js'
import {rdsDeletionProtection} from './rds-deletion-protection.js'
import {rdsMasterPasswordManaged} from './rds-master-password-managed.js'
import {rdsMinorUpgrade} from './rds-minor-upgrade.js'
import {rdsMultiAz} from './rds-multi-az.js'
import {rdsNotPublic} from './rds-not-public.js'
import {rdsPitr} from './rds-pitr.js'
import {rdsPrivateSubnets} from './rds-private-subnets.js'
import {rdsSnapshotEncrypted} from './rds-snapshot-encrypted.js'
import {rdsSnapshotPrivate} from './rds-snapshot-private.js'
import {rdsStorageEncrypted} from './rds-storage-encrypted.js'
import {s3Kms} from './s3-kms.js'
import {secretsmanagerRotation} from './secretsmanager-rotation.js'
import {ssmAssociation} from './ssm-association.js'
import {ssmPatch} from './ssm-patch.js'
import {tenantResidency} from './tenant-residency.js'

/** Every check opsctl runs, in report order. Add a check by adding its file and one line here. */
export const checks: readonly Check[] = [
  rdsStorageEncrypted,
  rdsCmk,
  rdsMultiAz,
  rdsBackupRetention,
  rdsPitr,
  rdsDeletionProtection,
  rdsNotPublic,
  rdsPrivateSubnets,
  rdsMinorUpgrade,
  rdsMasterPasswordManaged,
  rdsSnapshotEncrypted,
  rdsSnapshotPrivate,
  ec2DbPortNotPublic,
  ec2SshRdpNotPublic,
  ec2DbPrivate,
  iamRootMfa,
  iamRootNoAccessKeys,
  iamRootUnused,
  kmsRotation,
  kmsRotationPeriod,
  kmsNotPendingDeletion,
  secretsmanagerRotation,
  cloudwatchRdsCpuAlarm,
  cloudtrailEnabled,
  cloudtrailMultiRegion,
  cloudtrailLogValidation,
  cloudtrailKms,
  cloudtrailDelivery,
  cloudtrailSecurityTrail,
  configRecorder,
  configDeliveryChannel,
  configRulesCompliant,
  ssmPatch,
  ssmAssociation,
  ebsDefaultEncryption,
  ebsVolumeEncrypted,
  ebsSnapshotEncrypted,
  s3Kms,
  tenantResidency,
  datakeyUsageLimits,
]

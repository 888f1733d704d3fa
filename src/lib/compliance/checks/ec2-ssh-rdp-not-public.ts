import {openToInternet, securityGroupResource} from '../inventory/network.js'
import type {Check} from '../types.js'

/** SSH and RDP: administration ports, to be reached from the administrators' range or through a bastion only. */
const ADMIN_PORTS = [22, 3389]

export const ec2SshRdpNotPublic: Check = {
  id: 'ec2-ssh-rdp-not-public',
  title: 'No security group opens SSH (22) or RDP (3389) to the internet',
  service: 'ec2',
  inventories: ['network'],
  severity: 'high',
  risk: 'SSH or RDP open to 0.0.0.0/0 or ::/0 lets anyone on the internet try to log in to the servers: they are scanned and brute-forced within minutes of being exposed. (Prowler judges RDP in ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389, and AWS Config in restricted-common-ports.)',
  remediation: {
    text: "Remove the inbound rule from 0.0.0.0/0 or ::/0 and allow SSH only from the administrators' range or the bastion's security group (or use Session Manager).",
    cli: 'aws ec2 revoke-security-group-ingress --group-id <group-id> --ip-permissions IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]',
  },
  // restricted-ssh judges port 22 only; RESTRICTED_INCOMING_TRAFFIC (restricted-common-ports) has 3389 among its default ports.
  configRule: 'INCOMING_SSH_DISABLED',
  prowlerId: 'ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22',
  evaluate: ({network}) =>
    network.securityGroups.map((g) => {
      const openings = [...new Set(ADMIN_PORTS.flatMap((port) => openToInternet(g, port)))]
      return {
        resource: securityGroupResource(g),
        pass: openings.length === 0,
        reason:
          openings.length === 0
            ? `Security group ${g.GroupId} (${g.GroupName}) opens neither SSH nor RDP to the internet.`
            : `Security group ${g.GroupId} (${g.GroupName}) opens SSH or RDP to the internet: ${openings.join('; ')}.`,
      }
    }),
}

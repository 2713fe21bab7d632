/**
 * The restricted Pod Security Standard, checked on a pod spec. No packaged checker runs
 * offline, so this states the profile's controls as written on
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/ (the "Baseline" and
 * "Restricted" tables); a real API server enforcing `restricted` is the final judge.
 */

/** Violations of the restricted profile in a pod spec, each naming the field. */
export function restrictedViolations(podSpec: any, where = 'spec'): string[] {
  const problems: string[] = [];
  const pod = podSpec?.securityContext ?? {};
  const containers: Array<[string, any]> = [
    ...(podSpec?.initContainers ?? []).map((c: any, i: number) => [`${where}.initContainers[${i}]`, c] as [string, any]),
    ...(podSpec?.containers ?? []).map((c: any, i: number) => [`${where}.containers[${i}]`, c] as [string, any]),
    ...(podSpec?.ephemeralContainers ?? []).map((c: any, i: number) => [`${where}.ephemeralContainers[${i}]`, c] as [string, any]),
  ];
  // Baseline: host namespaces, host ports, hostPath volumes, privileged, added capabilities,
  // AppArmor, SELinux, /proc mount type, sysctls.
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (podSpec?.[field] === true) problems.push(`${where}.${field} must be unset or false (Host Namespaces)`);
  }
  for (const [i, volume] of (podSpec?.volumes ?? []).entries()) {
    // Restricted "Volume Types": only these sources.
    const allowed = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
    const kinds = Object.keys(volume).filter((k) => k !== 'name');
    for (const kind of kinds) if (!allowed.includes(kind)) problems.push(`${where}.volumes[${i}].${kind} is not an allowed volume type (Volume Types)`);
  }
  const unsafeSysctl = (pod.sysctls ?? []).filter((s: any) => !SAFE_SYSCTLS.includes(s.name));
  if (unsafeSysctl.length > 0) problems.push(`${where}.securityContext.sysctls allows only the safe set (Sysctls), got ${unsafeSysctl.map((s: any) => s.name).join(', ')}`);
  const seLinux = (ctx: any, at: string) => {
    const type = ctx?.seLinuxOptions?.type;
    if (type !== undefined && !['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(type)) problems.push(`${at}.seLinuxOptions.type must be a container type (SELinux), got '${type}'`);
    if (ctx?.seLinuxOptions?.user || ctx?.seLinuxOptions?.role) problems.push(`${at}.seLinuxOptions user and role must be unset (SELinux)`);
  };
  seLinux(pod, `${where}.securityContext`);
  const appArmor = (ctx: any, at: string) => {
    const type = ctx?.appArmorProfile?.type;
    if (type !== undefined && !['RuntimeDefault', 'Localhost'].includes(type)) problems.push(`${at}.appArmorProfile.type must be RuntimeDefault or Localhost (AppArmor), got '${type}'`);
  };
  appArmor(pod, `${where}.securityContext`);
  if (pod.runAsUser === 0) problems.push(`${where}.securityContext.runAsUser must not be 0 (Running as Non-root user)`);
  const podSeccomp = pod.seccompProfile?.type;
  for (const [at, c] of containers) {
    const ctx = c.securityContext ?? {};
    if (ctx.privileged === true) problems.push(`${at}.securityContext.privileged must be unset or false (Privileged Containers)`);
    for (const [j, port] of (c.ports ?? []).entries()) {
      if (port.hostPort !== undefined && port.hostPort !== 0) problems.push(`${at}.ports[${j}].hostPort must be unset or 0 (HostPorts)`);
    }
    if (ctx.procMount !== undefined && ctx.procMount !== 'Default') problems.push(`${at}.securityContext.procMount must be Default (/proc Mount Type)`);
    seLinux(ctx, `${at}.securityContext`);
    appArmor(ctx, `${at}.securityContext`);
    // Restricted.
    if (ctx.allowPrivilegeEscalation !== false) problems.push(`${at}.securityContext.allowPrivilegeEscalation must be false (Privilege Escalation)`);
    if ((ctx.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${at}.securityContext.runAsNonRoot must be true, in the container or the pod (Running as Non-root)`);
    if (ctx.runAsUser === 0) problems.push(`${at}.securityContext.runAsUser must not be 0 (Running as Non-root user)`);
    const seccomp = ctx.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${at}.securityContext.seccompProfile.type must be RuntimeDefault or Localhost, in the container or the pod (Seccomp)`);
    const drop: string[] = ctx.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) problems.push(`${at}.securityContext.capabilities.drop must include ALL (Capabilities)`);
    const add: string[] = ctx.capabilities?.add ?? [];
    for (const cap of add) if (cap !== 'NET_BIND_SERVICE') problems.push(`${at}.securityContext.capabilities.add may only add NET_BIND_SERVICE (Capabilities), got '${cap}'`);
  }
  return problems;
}

const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
];

/** The pod spec of a workload object, if it has one. */
export function podSpecOf(object: any): any | undefined {
  switch (object?.kind) {
    case 'Pod': return object.spec;
    case 'CronJob': return object.spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'ReplicationController': case 'PodTemplate':
      return object.kind === 'PodTemplate' ? object.template?.spec : object.spec?.template?.spec;
    default: return undefined;
  }
}

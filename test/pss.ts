// Pod Security Standards "restricted" (baseline included), control by control, as the
// Kubernetes documentation lists them (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
// and the PodSecurity admission plugin enforces them (k8s.io/pod-security-admission/policy,
// check_*.go). Every container kind counts: containers, initContainers, ephemeralContainers.
// The program's own policy pack checks a subset at preview; this is the full list, for tests.

type Json = Record<string, any>;

const ALLOWED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

/** The pod template of a workload object, or undefined. */
export function podSpecOf(o: Json): Json | undefined {
  if (o.kind === "Pod") return o.spec;
  return o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
}

/** Violations of PSS restricted in one object's pod spec; empty when it meets it (or has no pod). */
export function restrictedViolations(o: Json): string[] {
  const pod = podSpecOf(o);
  if (!pod) return [];
  const out: string[] = [];
  const at = (where: string, what: string) => out.push(`${o.kind} ${o.metadata?.name}: ${where}: ${what}`);
  const psc = pod.securityContext ?? {};
  for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[f]) at(f, "host namespaces are forbidden");
  for (const v of pod.volumes ?? []) {
    const source = Object.keys(v).filter((k) => k !== "name");
    for (const s of source) if (!ALLOWED_VOLUMES.has(s)) at(`volumes[${v.name}]`, `volume type ${s} is not allowed`);
  }
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) at("securityContext.sysctls", `${s.name} is not a safe sysctl`);
  if (psc.windowsOptions?.hostProcess) at("securityContext.windowsOptions.hostProcess", "forbidden");
  if (psc.runAsUser === 0) at("securityContext.runAsUser", "0 (root)");
  if (psc.seccompProfile?.type === "Unconfined") at("securityContext.seccompProfile", "Unconfined");
  if (psc.seLinuxOptions && (!SELINUX_TYPES.has(psc.seLinuxOptions.type ?? "") || psc.seLinuxOptions.user || psc.seLinuxOptions.role)) at("securityContext.seLinuxOptions", "not allowed");
  if (psc.appArmorProfile && !["RuntimeDefault", "Localhost"].includes(psc.appArmorProfile.type)) at("securityContext.appArmorProfile", psc.appArmorProfile.type);
  const containers: [string, Json][] = [
    ...(pod.initContainers ?? []).map((c: Json): [string, Json] => [`initContainers[${c.name}]`, c]),
    ...(pod.containers ?? []).map((c: Json): [string, Json] => [`containers[${c.name}]`, c]),
    ...(pod.ephemeralContainers ?? []).map((c: Json): [string, Json] => [`ephemeralContainers[${c.name}]`, c]),
  ];
  for (const [where, c] of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) at(where, "privileged");
    if (sc.windowsOptions?.hostProcess) at(where, "hostProcess");
    if (sc.allowPrivilegeEscalation !== false) at(where, "allowPrivilegeEscalation must be false");
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) at(where, "runAsNonRoot must be true");
    if (sc.runAsUser === 0) at(where, "runAsUser 0 (root)");
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") at(where, `seccompProfile must be RuntimeDefault or Localhost, got ${seccomp ?? "unset"}`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) at(where, "capabilities must drop ALL");
    for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") at(where, `adds capability ${cap}`);
    if (sc.procMount && sc.procMount !== "Default") at(where, `procMount ${sc.procMount}`);
    if (sc.seLinuxOptions && (!SELINUX_TYPES.has(sc.seLinuxOptions.type ?? "") || sc.seLinuxOptions.user || sc.seLinuxOptions.role)) at(where, "seLinuxOptions not allowed");
    if (sc.appArmorProfile && !["RuntimeDefault", "Localhost"].includes(sc.appArmorProfile.type)) at(where, `appArmorProfile ${sc.appArmorProfile.type}`);
    for (const p of c.ports ?? []) if (p.hostPort) at(where, `hostPort ${p.hostPort}`);
  }
  return out;
}

// The pod settings a model may add to its tracks' pods: command, volumes, scheduling, pull
// secrets. Pod Security Standards "restricted" stays intact: only the volume types it allows
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/, "Volume Types":
// configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)
// and nothing that touches the security context.
import { z } from "zod";
import { isDns1123Subdomain, qualifiedNameProblem } from "./kube-limits";
import { checked, dns1123, expected, int, labels, labelValue, matching, MAX_STRING, oneOf, quantity } from "./primitives";

const subdomain = (what: string) => checked((s) => (isDns1123Subdomain(s) ? undefined : "lower-case letters, digits, '-' and '.', at most 253 characters"), what);

/** An argument or command word: any text, bounded. `$(VAR)` expands the container's env (Kubernetes does it). */
const word = z.string({ error: expected("a string") }).max(MAX_STRING, { error: (iss) => `expected at most ${MAX_STRING} characters, got ${String(iss.input).length}` });
export const argv = z.array(word).max(200, { error: "expected at most 200 entries" });

const absolutePath = matching(/^\/[^\0]*$/, "an absolute path");

// Volume names the track's own volumes use.
export const RESERVED_VOLUMES = ["tmp", "model"] as const;

/** Volume sources PSS "restricted" forbids, with what to use instead. */
export const FORBIDDEN_VOLUME_SOURCES: Record<string, string> = {
  hostPath: "hostPath volumes are forbidden by Pod Security Standards \"restricted\" (they expose the node's files); use emptyDir or persistentVolumeClaim",
  nfs: "nfs volumes are not allowed under Pod Security Standards \"restricted\"; mount it through a persistentVolumeClaim",
  iscsi: "iscsi volumes are not allowed under Pod Security Standards \"restricted\"; mount it through a persistentVolumeClaim",
};

const keyToPath = z.strictObject({ key: z.string().min(1).max(253), path: matching(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, "a relative path without '..'") });

export const volume = z
  .strictObject({
    name: dns1123.refine((n) => !(RESERVED_VOLUMES as readonly string[]).includes(n), { error: (iss) => `"${iss.input}" is a volume modelship mounts itself (${RESERVED_VOLUMES.join(", ")}); choose another name` }),
    mountPath: absolutePath,
    readOnly: z.boolean().optional(),
    subPath: matching(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).*$/, "a relative path without '..'").optional(),
    /** Scratch space for the pod's life; `medium: Memory` (tmpfs, counted against the memory limit) for /dev/shm. */
    emptyDir: z.strictObject({ medium: oneOf(["", "Memory"] as const).optional(), sizeLimit: quantity.optional() }).optional(),
    persistentVolumeClaim: z.strictObject({ claimName: subdomain("a PersistentVolumeClaim name"), readOnly: z.boolean().optional() }).optional(),
    configMap: z.strictObject({ name: subdomain("a ConfigMap name"), items: z.array(keyToPath).optional() }).optional(),
    secret: z.strictObject({ secretName: subdomain("a Secret name"), items: z.array(keyToPath).optional() }).optional(),
  })
  .superRefine((v, ctx) => {
    const sources = (["emptyDir", "persistentVolumeClaim", "configMap", "secret"] as const).filter((k) => v[k] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({ code: "custom", message: `expected exactly one of emptyDir, persistentVolumeClaim, configMap, secret${sources.length ? `, got ${sources.join(" and ")}` : ""}` });
    }
    if (v.emptyDir?.medium === "Memory" && v.emptyDir.sizeLimit === undefined) {
      ctx.addIssue({ code: "custom", path: ["emptyDir", "sizeLimit"], message: "required with medium Memory (a tmpfs without a limit can take the pod's whole memory)" });
    }
  });

export const annotations = z.record(checked(qualifiedNameProblem, "an annotation key ([prefix/]name)"), z.string({ error: expected("a string") }).max(MAX_STRING));

// ---- affinity: the Kubernetes Affinity type, as far as schedulers read it ---------------------

const operator = oneOf(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] as const);
const requirement = z
  .strictObject({ key: checked(qualifiedNameProblem, "a label key"), operator, values: z.array(labelValue).max(100).optional() })
  .superRefine((r, ctx) => {
    // apimachinery ValidateNodeSelectorRequirement / ValidateLabelSelectorRequirement.
    const n = r.values?.length ?? 0;
    if ((r.operator === "In" || r.operator === "NotIn") && n === 0) ctx.addIssue({ code: "custom", path: ["values"], message: `required (non-empty) with operator ${r.operator}` });
    if ((r.operator === "Exists" || r.operator === "DoesNotExist") && n > 0) ctx.addIssue({ code: "custom", path: ["values"], message: `must be empty with operator ${r.operator}` });
    if ((r.operator === "Gt" || r.operator === "Lt") && (n !== 1 || !/^-?\d+$/.test(r.values![0]))) ctx.addIssue({ code: "custom", path: ["values"], message: `expected one whole number with operator ${r.operator}` });
  });
const nodeSelectorTerm = z.strictObject({ matchExpressions: z.array(requirement).max(20).optional(), matchFields: z.array(requirement).max(20).optional() });
const labelSelector = z.strictObject({ matchLabels: labels.optional(), matchExpressions: z.array(requirement).max(20).optional() });
const podAffinityTerm = z.strictObject({
  labelSelector: labelSelector.optional(),
  namespaces: z.array(dns1123).max(20).optional(),
  namespaceSelector: labelSelector.optional(),
  topologyKey: checked(qualifiedNameProblem, "a node label key such as kubernetes.io/hostname"),
});
const podAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).max(20).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight: int(1, 100), podAffinityTerm })).max(20).optional(),
});
export const affinity = z.strictObject({
  nodeAffinity: z
    .strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z.strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1).max(20) }).optional(),
      preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight: int(1, 100), preference: nodeSelectorTerm })).max(20).optional(),
    })
    .optional(),
  podAffinity: podAffinity.optional(),
  podAntiAffinity: podAffinity.optional(),
});

/** A Kubernetes object name that is a DNS subdomain (PriorityClass, RuntimeClass, Secret). */
export const objectName = subdomain;

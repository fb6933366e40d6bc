// Object metadata and label selectors: what every kind shares.
import type { KubeObject } from "../../stacks/render/synth";
import { bytes, dns1035Label, dns1123Label, dns1123Subdomain, labelValue, opaque, qualifiedName } from "./formats";

/** Collects problems, each prefixed `${kind} ${namespace}/${name}: <field path>: `. */
export class Problems {
  readonly list: string[] = [];
  constructor(private readonly o: KubeObject) {}
  add(path: string, problem: string | undefined, value?: unknown) {
    if (problem === undefined) return;
    const shown = value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
    this.list.push(`${this.o.kind} ${this.o.metadata?.namespace ?? ""}/${this.o.metadata?.name}: ${path}: ${problem}${shown}`);
  }
  /** Checks a string field with a format, skipping absent and opaque values. */
  check(path: string, value: unknown, format: (s: string) => string | undefined) {
    if (value === undefined || value === null || opaque(value)) return;
    if (typeof value !== "string") return this.add(path, "must be a string", value);
    this.add(path, format(value), value);
  }
}

// Name rules by kind. pkg/apis/core/validation/validation.go: ValidateServiceName
// (NameIsDNS1035Label), ValidateNamespaceName (NameIsDNSLabel); every other kind modelship renders
// (ValidateConfigMapName, ValidateSecretName, ValidateServiceAccountName, apps
// ValidateDeploymentName, autoscaling and policy ValidateObjectMeta with NameIsDNSSubdomain,
// networking ValidateNetworkPolicyName / ValidateIngressName, and custom resources via
// apiextensions-apiserver customresource_validation: ValidateObjectMetaAccessor with
// NameIsDNSSubdomain) uses NameIsDNSSubdomain.
const NAME_RULE: Record<string, (s: string) => string | undefined> = { Service: dns1035Label, Namespace: dns1123Label };

// k8s.io/apimachinery/pkg/api/validation/objectmeta.go: TotalAnnotationSizeLimitB.
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** apimachinery pkg/api/validation/objectmeta.go: ValidateObjectMeta (name, namespace, labels, annotations). */
export function checkMeta(p: Problems, o: KubeObject) {
  const m = o.metadata ?? ({} as KubeObject["metadata"]);
  p.check("metadata.name", m.name, NAME_RULE[o.kind] ?? dns1123Subdomain);
  // objectmeta.go ValidateObjectMeta: a namespace is ValidateNamespaceName, a DNS-1123 label.
  p.check("metadata.namespace", m.namespace, dns1123Label);
  checkLabels(p, "metadata.labels", m.labels);
  checkAnnotations(p, "metadata.annotations", m.annotations);
}

/** apimachinery pkg/apis/meta/v1/validation/validation.go: ValidateLabels (keys ValidateLabelName, values IsValidLabelValue). */
export function checkLabels(p: Problems, path: string, labels: unknown) {
  if (labels === undefined || labels === null) return;
  if (typeof labels !== "object") return p.add(path, "must be a map of strings", labels);
  for (const [k, v] of Object.entries(labels)) {
    p.add(`${path}[${k}]`, qualifiedName(k) && `key ${qualifiedName(k)}`, k);
    p.check(`${path}[${k}]`, v, labelValue);
  }
}

/**
 * objectmeta.go ValidateAnnotations: each key, lower-cased first, is a qualified name (so an
 * upper-case prefix is accepted: Go checks strings.ToLower(k)); the values are strings (the
 * field is map[string]string); keys plus values are at most TotalAnnotationSizeLimitB bytes
 * (ValidateAnnotationsSize).
 */
export function checkAnnotations(p: Problems, path: string, annotations: unknown) {
  if (annotations === undefined || annotations === null) return;
  if (typeof annotations !== "object") return p.add(path, "must be a map of strings", annotations);
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    const q = qualifiedName(k.toLowerCase());
    p.add(`${path}[${k}]`, q && `key ${q}`, k);
    if (typeof v !== "string") p.add(`${path}[${k}]`, "annotation values must be strings", v);
    total += bytes(k) + (typeof v === "string" ? bytes(v) : bytes(JSON.stringify(v) ?? ""));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) p.add(path, `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes in total, got ${total}`);
}

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];
/** meta/v1/validation/validation.go: ValidateLabelSelector (matchLabels as labels; matchExpressions keys qualified, operators and their values). */
export function checkSelector(p: Problems, path: string, selector: any) {
  if (!selector || typeof selector !== "object") return;
  checkLabels(p, `${path}.matchLabels`, selector.matchLabels);
  (selector.matchExpressions ?? []).forEach((e: any, i: number) => {
    const at = `${path}.matchExpressions[${i}]`;
    p.check(`${at}.key`, e.key, qualifiedName);
    if (!SELECTOR_OPERATORS.includes(e.operator)) return p.add(`${at}.operator`, `must be one of ${SELECTOR_OPERATORS.join(", ")}`, e.operator);
    const n = (e.values ?? []).length;
    if ((e.operator === "In" || e.operator === "NotIn") && n === 0) p.add(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
    if ((e.operator === "Exists" || e.operator === "DoesNotExist") && n > 0) p.add(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    (e.values ?? []).forEach((v: unknown, j: number) => p.check(`${at}.values[${j}]`, v, labelValue));
  });
}

// Limits the Kubernetes API server (and AWS, Gateway API) enforces on what modelship renders
// from config, as pure predicates: the schema checks them, so `pulumi up` never meets a
// rejection `synth` did not show. The upstream OpenAPI schemas carry none of these (they come
// from Go validation), so each cites where the real check lives.
import { isIPv4, isIPv6 } from "net";

// k8s.io/apimachinery/pkg/util/validation/validation.go: IsDNS1123Label (63),
// IsDNS1123Subdomain (253), IsQualifiedName (name part 63, optional subdomain prefix).
export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const isDns1123Label = (s: string) => s.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(s);

export const isDns1123Subdomain = (s: string) => s.length <= DNS1123_SUBDOMAIN_MAX && s.split(".").every((l) => DNS1123_LABEL.test(l));

/** Why a label or annotation key, a toleration key or an extended resource name is not a qualified name; undefined when it is. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) {
    return `the prefix before '/' must be a DNS subdomain (lower-case letters, digits, '-', '.') of at most ${DNS1123_SUBDOMAIN_MAX} characters`;
  }
  if (name.length === 0 || name.length > DNS1123_LABEL_MAX) return `the name${prefix !== undefined ? " after '/'" : ""} must be 1..${DNS1123_LABEL_MAX} characters, got ${name.length}`;
  if (!QUALIFIED_NAME_PART.test(name)) return `the name${prefix !== undefined ? " after '/'" : ""} must be letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  return undefined;
}

/**
 * A container resource the GPU count may be requested as: an extended resource. Standard names
 * (cpu, memory, ...) would replace the model's own requests; names in the kubernetes.io domain
 * are native, and `requests.` is the quota prefix (pkg/apis/core/helper: IsExtendedResourceName,
 * IsNativeResource; validation.go: validateContainerResourceName).
 */
export function extendedResourceProblem(name: string): string | undefined {
  if (!name.includes("/")) return `expected an extended resource such as nvidia.com/gpu (a domain, '/', a name); "${name}" would be a standard resource`;
  const domain = name.slice(0, name.indexOf("/"));
  if (domain === "kubernetes.io" || domain.endsWith(".kubernetes.io")) return `the kubernetes.io domain holds native resources, not extended ones; got "${name}"`;
  if (name.startsWith("requests.")) return `"requests." is the resource quota prefix, not part of a resource name; got "${name}"`;
  const q = qualifiedNameProblem(name);
  return q === undefined ? undefined : `expected an extended resource such as nvidia.com/gpu: ${q}`;
}

/** Secret and ConfigMap data keys (validation.go IsConfigMapKey): 253 characters of [-._a-zA-Z0-9], not "." nor starting with "..". */
export function dataKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > DNS1123_SUBDOMAIN_MAX) return `expected 1..${DNS1123_SUBDOMAIN_MAX} characters, got ${key.length}`;
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) return "expected letters, digits, '-', '_' or '.'";
  if (key === "." || key === "..") return `"${key}" cannot be a key (it names a directory when the Secret is mounted)`;
  // Mounted Secrets keep their data under `..data` and timestamped `..<time>` directories.
  if (key.startsWith("..")) return `a key cannot start with ".." (the kubelet's own entries in a mounted Secret do)`;
  return undefined;
}

/** A CIDR as net.ParseCIDR reads it (NetworkPolicy ipBlock, validation.go ValidateCIDR): a real address and a prefix that fits it. */
export function isCidr(text: string): boolean {
  const slash = text.indexOf("/");
  if (slash < 0) return false;
  const [address, bits] = [text.slice(0, slash), text.slice(slash + 1)];
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits)) return false;
  // Go's parser refuses IPv4 octets with leading zeros since 1.17; node's isIPv4 does too.
  if (isIPv4(address)) return Number(bits) <= 32;
  return isIPv6(address) && !address.includes("%") && Number(bits) <= 128;
}

// Gateway API (apis/v1/shared_types.go): Hostname and PreciseHostname at most 253 characters,
// HTTPHeaderName at most 256, SectionName a DNS subdomain of at most 253. Ingress hosts
// (networking validation.go: ValidateIngressSpec) and Istio hosts are DNS subdomains too.
export const HOSTNAME_MAX = 253;
/** An HTTPRoute holds at most 16 hostnames (HTTPRouteSpec.Hostnames, +kubebuilder:validation:MaxItems=16). */
export const HOSTNAMES_MAX = 16;
export const HEADER_NAME_MAX = 256;

/**
 * IAM role names are at most 64 characters (IAM API reference, CreateRole: RoleName). A longer
 * name keeps its readable start and its track colour, and swaps the middle for a hash of the whole
 * name, so blue and green never collide as they did when the name was cut at 64.
 */
export const IAM_ROLE_NAME_MAX = 64;

/** Kubernetes stores each object in etcd, whose default request limit is 1.5 MiB (etcd --max-request-bytes). */
export const OBJECT_BYTES_MAX = 1.5 * 1024 * 1024;
/** Secrets and ConfigMaps hold at most 1 MiB of data (validation.go: MaxSecretSize, ConfigMap data size). */
export const DATA_BYTES_MAX = 1024 * 1024;

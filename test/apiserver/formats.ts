// String formats the API server checks, written from the Go validators they mirror. Each
// returns the problem in words, or undefined when the value is acceptable.
import { BlockList, isIP } from "net";
import { SECRET_PLACEHOLDER } from "../../stacks/render/placeholders";

/** A value synth cannot know (an unknown or a secret placeholder): opaque, never judged. */
export const opaque = (v: unknown) => typeof v === "string" && (v.includes("[known after apply:") || v.includes(SECRET_PLACEHOLDER) || v === "[secret]");

/** Bytes as Go's len() counts them. */
export const bytes = (s: string) => Buffer.byteLength(s, "utf8");

// k8s.io/apimachinery/pkg/util/validation/validation.go: IsDNS1123Label, IsDNS1123Subdomain,
// IsDNS1035Label, IsWildcardDNS1123Subdomain (label 63, subdomain 253).
const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export function dns1123Label(s: string): string | undefined {
  if (s.length > 63) return `must be no more than 63 characters, got ${s.length} (DNS-1123 label)`;
  if (!LABEL_1123.test(s)) return "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit";
  return undefined;
}
export function dns1035Label(s: string): string | undefined {
  if (s.length > 63) return `must be no more than 63 characters, got ${s.length} (DNS-1035 label)`;
  if (!LABEL_1035.test(s)) return "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
  return undefined;
}
export function dns1123Subdomain(s: string): string | undefined {
  if (s.length > 253) return `must be no more than 253 characters, got ${s.length} (DNS-1123 subdomain)`;
  if (!s.split(".").every((l) => LABEL_1123.test(l))) return "must be a DNS-1123 subdomain: dot-separated lower-case labels of letters, digits and '-'";
  return undefined;
}
export function wildcardOrSubdomain(s: string): string | undefined {
  if (!s.startsWith("*")) return dns1123Subdomain(s);
  if (s.length > 253) return `must be no more than 253 characters, got ${s.length}`;
  if (!s.startsWith("*.") || dns1123Subdomain(s.slice(2))) return "a wildcard must be '*.' followed by a DNS-1123 subdomain";
  return undefined;
}

// validation.go: IsQualifiedName (optional DNS-1123 subdomain prefix, '/', name of at most 63).
const QUALIFIED = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export function qualifiedName(s: string): string | undefined {
  const parts = s.split("/");
  if (parts.length > 2) return "a qualified name has at most one '/'";
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined) {
    if (prefix.length === 0) return "the prefix before '/' must be non-empty";
    const p = dns1123Subdomain(prefix);
    if (p) return `the prefix before '/' ${p}`;
  }
  if (name.length === 0) return "the name part must be non-empty";
  if (name.length > 63) return `the name part must be no more than 63 characters, got ${name.length}`;
  if (!QUALIFIED.test(name)) return "the name part must be letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

// validation.go: IsValidLabelValue (empty, or at most 63 of the qualified-name alphabet).
export function labelValue(s: string): string | undefined {
  if (s.length > 63) return `must be no more than 63 characters, got ${s.length}`;
  if (s !== "" && !QUALIFIED.test(s)) return "must be empty or letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

// validation.go: IsConfigMapKey (also used for Secret keys and key selectors).
export function configMapKey(s: string): string | undefined {
  if (s.length === 0 || s.length > 253) return `must be 1..253 characters, got ${s.length}`;
  if (!/^[-._a-zA-Z0-9]+$/.test(s)) return "must be letters, digits, '-', '_' or '.'";
  if (s === "." || s === "..") return `must not be '${s}'`;
  if (s.startsWith("..")) return "must not start with '..'";
  return undefined;
}

// validation.go: IsEnvVarName. The strict form: Kubernetes 1.30/1.31 (the oldest clusters
// modelship supports) enforce it; RelaxedEnvironmentVariableValidation only loosens it later.
export function envVarName(s: string): string | undefined {
  if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(s)) return "must be letters, digits, '_', '-' or '.', not starting with a digit";
  return undefined;
}

// validation.go: IsValidPortNum, IsValidPortName (IANA_SVC_NAME).
export const portNumber = (n: number) => (Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : `must be between 1 and 65535, inclusive, got ${n}`);
export function portName(s: string): string | undefined {
  if (s.length === 0 || s.length > 15) return `must be 1..15 characters, got ${s.length}`;
  if (!/^[-a-z0-9]+$/.test(s)) return "must be lower-case letters, digits and '-'";
  if (!/[a-z]/.test(s)) return "must contain at least one letter";
  if (s.includes("--")) return "must not contain consecutive hyphens";
  if (s.startsWith("-") || s.endsWith("-")) return "must not begin or end with a hyphen";
  return undefined;
}
/** pkg/apis/core/validation/validation.go: ValidatePortNumOrName. */
export const portNumOrName = (p: unknown) => (typeof p === "number" ? portNumber(p) : typeof p === "string" ? portName(p) : `must be a port number or name, got ${JSON.stringify(p)}`);

/** A CIDR as Go's net.ParseCIDR reads it: an IPv4 or IPv6 address, '/', a prefix that fits it. */
export function parseCidr(s: string): { family: "ipv4" | "ipv6"; address: string; prefix: number } | undefined {
  const m = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(s);
  if (!m || m[1].includes("%")) return undefined;
  // node's isIP, like Go since 1.17, refuses IPv4 octets with leading zeros. (Kubernetes' own
  // "sloppy" parser still accepts them, reading them as decimal; we refuse them: ambiguous.)
  const v = isIP(m[1]);
  const prefix = Number(m[2]);
  if (v === 4 && prefix <= 32) return { family: "ipv4", address: m[1], prefix };
  if (v === 6 && prefix <= 128) return { family: "ipv6", address: m[1], prefix };
  return undefined;
}
/** Whether `inner` lies inside `outer` and is smaller (NetworkPolicy ipBlock.except). */
export function strictSubnet(inner: NonNullable<ReturnType<typeof parseCidr>>, outer: NonNullable<ReturnType<typeof parseCidr>>): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  const b = new BlockList();
  b.addSubnet(outer.address, outer.prefix, outer.family);
  return b.check(inner.address, inner.family);
}

// k8s.io/apimachinery/pkg/api/resource/quantity.go: ParseQuantity. Exact rational value:
// BigInt numerator over a power of ten (binary suffixes are exact multiples).
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
export interface Quantity { num: bigint; scale: number } // value = num * 10^scale
export function parseQuantity(q: unknown): Quantity | undefined {
  if (typeof q === "number") q = String(q);
  if (typeof q !== "string") return undefined;
  const m = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/.exec(q);
  if (!m) return undefined;
  const [intPart, frac = ""] = m[2].split(".");
  let num = BigInt((intPart || "0") + frac) * (m[1] === "-" ? -1n : 1n);
  let scale = -frac.length;
  const suffix = m[3] ?? "";
  if (suffix in BINARY) num *= BINARY[suffix];
  else if (suffix in DECIMAL) scale += DECIMAL[suffix];
  else scale += Number(suffix.slice(1));
  return { num, scale };
}
export function compareQuantity(a: Quantity, b: Quantity): number {
  const s = Math.min(a.scale, b.scale);
  const x = a.num * 10n ** BigInt(a.scale - s);
  const y = b.num * 10n ** BigInt(b.scale - s);
  return x < y ? -1 : x > y ? 1 : 0;
}
export const isWholeQuantity = (q: Quantity) => q.scale >= 0 || q.num % 10n ** BigInt(-q.scale) === 0n;

// The building blocks of the config schema: zod types for Kubernetes names, labels, quantities
// and images, each with messages that say what was expected and echo what the file holds.
import { z } from "zod";
import { QUANTITY_PATTERN } from "../serving/quantity";
import { qualifiedNameProblem } from "./kube-limits";

/** How long an echoed value may be in a message; longer ones end in "…". */
export const ECHO_MAX = 80;

/**
 * A value as an error message shows it: YAML's `.nan`/`.inf` by name, control characters escaped
 * (a value cannot forge a line of the report), at most ECHO_MAX characters.
 */
export function echo(v: unknown): string {
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? ".nan" : v > 0 ? ".inf" : "-.inf";
  let text: string;
  try {
    text = typeof v === "string" && v.length > ECHO_MAX * 2 ? JSON.stringify(v.slice(0, ECHO_MAX * 2)) : (JSON.stringify(v) ?? String(v));
  } catch {
    text = String(v);
  }
  text = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return text.length > ECHO_MAX ? `${text.slice(0, ECHO_MAX - 1)}…` : text;
}

/** An error message naming what was expected and what the stack file holds. */
export const expected = (what: string) => (iss: { input?: unknown }) =>
  iss.input === undefined || iss.input === null ? "required" : `expected ${what}, got ${echo(iss.input)}`;

/** The longest string any pattern is tried on: checked first, so no regex runs on megabytes. */
export const MAX_STRING = 4096;
export const tooLong = (max: number) => (iss: { input?: unknown }) => `expected at most ${max} characters, got ${String(iss.input).length}`;

export function int(lo: number, hi: number) {
  return z
    .number({ error: expected(`a number ${lo}..${hi}`) })
    .int({ error: expected("a whole number") })
    .min(lo, { error: expected(`${lo}..${hi}`) })
    .max(hi, { error: expected(`${lo}..${hi}`) });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: expected(`one of ${values.join(", ")}`) });
}

export function matching(pattern: RegExp, what: string) {
  return z.string({ error: expected(what) }).max(MAX_STRING, { error: tooLong(MAX_STRING), abort: true }).regex(pattern, { error: expected(what) });
}

export const dns1035 = (max: number) =>
  matching(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, `a DNS-1035 label (lower-case letters, digits, '-'; starts with a letter)`)
    .max(max, { error: (iss) => `expected at most ${max} characters, got ${String(iss.input).length}` });

export const dns1123 = matching(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS-1123 label").max(63);

export const QUANTITY = 'a Kubernetes quantity such as "500m" or "1Gi"';
export const quantity = z
  .union([z.string(), z.number()], { error: expected(QUANTITY) })
  .transform((v) => String(v))
  .refine((v) => QUANTITY_PATTERN.test(v), { error: expected(QUANTITY) });

// `repo:tag` or `repo@sha256:<64 hex>`; a tag-less, digest-less reference would mean `:latest`.
export const DIGEST = /@sha256:[a-f0-9]{64}$/;
export const IMAGE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;
export const isDigestPinned = (image: string) => DIGEST.test(image);

export const labelValue = matching(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, "a label value (letters, digits, '-', '_', '.')").max(63);
/** A string that passes a Kubernetes check; the message says which part fails. */
export const checked = (problem: (s: string) => string | undefined, what: string) =>
  z
    .string({ error: expected(what) })
    .max(MAX_STRING, { error: tooLong(MAX_STRING), abort: true })
    .superRefine((s, ctx) => {
      const why = problem(s);
      if (why !== undefined) ctx.addIssue({ code: "custom", message: `expected ${what}, got ${echo(s)}: ${why}` });
    });

export const labelKey = checked(qualifiedNameProblem, "a label key ([prefix/]name)");
export const labels = z.record(labelKey, labelValue);


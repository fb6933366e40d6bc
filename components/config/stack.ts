// Reading the `modelship:` keys of the running stack: the one loader the program, a user's own
// program and the CLI's rollout commands (which edit those keys) agree on.
import * as pulumi from "@pulumi/pulumi";
// The text synth shows for a `secure:` value: a leaf module of the CLI's, with no imports, so the
// loader can tell synth's masked view of a secret from a plain value.
import { SECRET_PLACEHOLDER } from "../../stacks/render/placeholders";
import type { FleetConfig } from "./schema";
import { misspeltNamespaceWarnings, modelshipKeys, stackFileName } from "./stack-keys";
import { CONFIG_NAMESPACE, ConfigError, keyPath, parseFleetConfig } from "./validate";

// Stack names and key decoding are pure and live apart, so the CLI can read stack files without the SDK.
export * from "./stack-keys";

/** The one `modelship:` key whose values may be `secure:`: the program keeps them secret. */
export const SECRETS_KEY = "secrets";

const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;

/** Paths inside `v` holding what synth shows for a `secure:` value (synth never decrypts). */
function maskedPaths(v: unknown, at: PropertyKey[] = []): PropertyKey[][] {
  if (v === SECRET_PLACEHOLDER) return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => maskedPaths(x, [...at, i]));
  if (typeof v === "object" && v !== null) return Object.entries(v).flatMap(([k, x]) => maskedPaths(x, [...at, k]));
  return [];
}

/**
 * Where `secure:` config may be, and where it may not. Pulumi decrypts config before the program
 * runs and tells it only which top-level keys hold a `secure:` value somewhere inside
 * (PULUMI_CONFIG_SECRET_KEYS, read by the SDK's runtime `isConfigSecret`), so a `secure:` value
 * under any key but `modelship:secrets` would reach the objects in plain text: it is an error,
 * naming its key path when synth can see it (the masked value) and else the top-level key. Plain
 * (unencrypted) values under `modelship:secrets` are warnings: they sit in the stack file, in git.
 */
export function secretPlacement(
  raw: Record<string, unknown>,
  isSecret: (key: string) => boolean,
): { problems: { path: string; message: string }[]; warnings: { path: string; message: string }[] } {
  const problems: { path: string; message: string }[] = [];
  const warnings: { path: string; message: string }[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === SECRETS_KEY) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
      // Under `pulumi up` a secret key arrives decrypted whole: only a key with no `secure:`
      // value at all, or synth's masked view, tells plain entries apart.
      const masked = maskedPaths(value).length > 0;
      if (isSecret(`${CONFIG_NAMESPACE}:${key}`) && !masked) continue;
      for (const [name, v] of Object.entries(value)) {
        if (v === SECRET_PLACEHOLDER) continue;
        warnings.push({
          path: keyPath([key, name]),
          message: `warning: not encrypted: this value sits in the stack file in plain text; set it with: pulumi config set --secret --path '${SECRETS_KEY}.${name}' <value>`,
        });
      }
      continue;
    }
    if (!isSecret(`${CONFIG_NAMESPACE}:${key}`)) continue;
    const paths = maskedPaths(value);
    const fix = (name: string) =>
      `only kept secret under ${CONFIG_NAMESPACE}:${SECRETS_KEY}; anywhere else Pulumi hands it to the program decrypted and it would reach the cluster in plain text. ` +
      `Put it there (pulumi config set --secret --path '${SECRETS_KEY}.${name}' <value>) and refer to it with {secret: ${name}}`;
    if (paths.length === 0) {
      problems.push({ path: keyPath([key]), message: `holds a secure: value somewhere inside, which is ${fix("<name>")}` });
      continue;
    }
    for (const p of paths) {
      const last = p[p.length - 1];
      const name = typeof last === "string" && SECRET_NAME.test(last) ? last : "<name>";
      problems.push({ path: keyPath([key, ...p]), message: `a secure: value is ${fix(name)}` });
    }
  }
  return { problems, warnings };
}

// The SDK's own record of which config keys hold a `secure:` value (runtime/config.js
// isConfigSecret, from PULUMI_CONFIG_SECRET_KEYS). The SDK marks it @internal (it is exported
// but not typed), so an SDK without it fails loudly rather than letting a secret through.
const sdkIsConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;

/** Whether Pulumi marked a config key secret (it held a `secure:` value somewhere inside). */
export function isConfigSecret(key: string): boolean {
  if (!sdkIsConfigSecret) throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret: modelship cannot tell which config keys are secret");
  return sdkIsConfigSecret(key);
}

// Where the program's config warnings go: Pulumi's (the engine shows them with the update), or
// the sink synth sets while it runs the program (it prints them itself).
let warningSink: ((message: string) => void) | undefined;

/** Runs `fn` with the program's config warnings sent to `sink` instead of `pulumi.log.warn`. */
export async function withConfigWarnings<T>(sink: (message: string) => void, fn: () => Promise<T>): Promise<T> {
  const previous = warningSink;
  warningSink = sink;
  try {
    return await fn();
  } finally {
    warningSink = previous;
  }
}

/**
 * The validated `modelship:` config of the running stack, every default resolved: what the
 * shipped program renders, and what a program of your own reads so that the CLI's rollout
 * commands (which edit these keys, weights included) drive it. A bad config stops the program
 * before any resource is registered, every problem named by stack file and key path. Keys
 * ignored because of a misspelt namespace are Pulumi warnings (before any error: a misspelt
 * `modelship:models` is why `modelship:models` is then missing).
 */
export function fleetConfigFromStack(): FleetConfig {
  const all = pulumi.runtime.allConfig();
  const file = stackFileName(pulumi.getStack());
  for (const w of misspeltNamespaceWarnings(Object.keys(all), file)) {
    if (warningSink) warningSink(w);
    else void pulumi.log.warn(w);
  }
  const raw = modelshipKeys(all);
  const placement = secretPlacement(raw, isConfigSecret);
  for (const w of placement.warnings) {
    const text = `${file}: ${w.path}: ${w.message}`;
    if (warningSink) warningSink(text);
    else void pulumi.log.warn(text);
  }
  // Misplaced `secure:` values first, then whatever else the schema finds.
  let problems = placement.problems;
  let fleet: FleetConfig | undefined;
  try {
    fleet = parseFleetConfig(raw, file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems = [...problems, ...e.problems];
  }
  if (problems.length > 0 || !fleet) throw new pulumi.RunError(new ConfigError(file, problems).message);
  return fleet;
}

// How a --policy-pack-config file sets a policy's enforcement level (pure), shared with the CLI so
// it can tell whether `pulumi up --policy-pack policies --policy-pack-config policies/<stack>.json`
// would stop on a change.

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/**
 * A policy's level under a config file, as the Pulumi CLI resolves it: the policy's declared level
 * (advisory when it declares none, as this pack sets no pack-wide default), then `all`, then the
 * policy's own entry — a level, or an object whose `enforcementLevel` is one. Pulumi: "The
 * top-level enforcement level under all will override the existing enforcement levels of all
 * policies in the Policy Pack. A configured enforcement level for a specific policy will override
 * the policy's existing enforcement level as well as all" (Configuring policy packs,
 * https://www.pulumi.com/docs/using-pulumi/crossguard/configuration/).
 */
export function enforcementLevel(config: Record<string, unknown>, policy: { name: string; enforcementLevel?: string }): EnforcementLevel {
  const levelOf = (entry: unknown): EnforcementLevel | undefined => {
    const level = typeof entry === "object" && entry !== null && !Array.isArray(entry) ? (entry as { enforcementLevel?: unknown }).enforcementLevel : entry;
    return typeof level === "string" && ["advisory", "mandatory", "remediate", "disabled"].includes(level) ? (level as EnforcementLevel) : undefined;
  };
  return levelOf(config[policy.name]) ?? levelOf(config.all) ?? levelOf(policy.enforcementLevel) ?? "advisory";
}

import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, parseFleetConfig, type FleetConfig } from "../components/config";

/** The stack file Pulumi read this stack's config from. */
export const stackFileName = (stack: string) => `Pulumi.${stack}.yaml`;

/**
 * Pulumi hands structured config to the program as JSON text and scalars as plain text;
 * turn them back into values for the schema.
 */
export function decodeConfigValue(text: string): unknown {
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (text === "true" || text === "false") return text === "true";
  return text;
}

/** Every `modelship:` key of a flat Pulumi config map, decoded, without the namespace. */
export function modelshipKeys(all: Record<string, string>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), decodeConfigValue(v)]),
  );
}

/**
 * The validated fleet config of the running stack. A bad config stops the program before any
 * resource is registered, with every problem named by stack file and key path and no trace.
 */
export function loadFleetConfig(): FleetConfig {
  try {
    return parseFleetConfig(modelshipKeys(pulumi.runtime.allConfig()), stackFileName(pulumi.getStack()));
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

import type * as pulumi from "@pulumi/pulumi";
import { awsSdk } from "./sdk";

/**
 * An explicit AWS provider for a region. @pulumi/aws loads on this call, not on import: a fleet
 * without AWS never needs the package (an optional peer dependency). Its declaration names no
 * @pulumi/aws type, so neither does a program's type check.
 */
export function awsProvider(name: string, args: { region: string }, opts?: pulumi.CustomResourceOptions): pulumi.ProviderResource {
  return new (awsSdk().Provider)(name, { region: args.region }, opts);
}

// @pulumi/aws, loaded only when a resource that needs it is created (see components/peer.ts).
import type * as Aws from "@pulumi/aws";
import { requirePeer } from "../peer";

/** The @pulumi/aws module; throws a clear error when it is not installed. */
export function awsSdk(): typeof Aws {
  return requirePeer<typeof Aws>("@pulumi/aws", "AWS (modelship:aws enabled)");
}

// Which AWS pieces a model gets, decided from its config alone (pure); the components only wire them.
import { createHash } from "crypto";
import { COLOURS, type Colour, type FleetConfig, type ModelConfig } from "../config/schema";
import { trackName } from "../serving/labels";
import { IAM_ROLE_NAME_MAX } from "../config/kube-limits";
import { s3Location } from "./documents";
import type { ModelRepositoryArgs } from "./repository";
import type { TrackIdentityArgs } from "./identity";

/** Where a track's image comes from: as configured, or built for its version (into the model's repository). */
export type ImageSource = { image: string } | { build: NonNullable<ModelConfig["build"]> & { tag: string } };

export interface ModelAwsPlan {
  repository?: ModelRepositoryArgs;
  images: Record<Colour, ImageSource>;
  identities: Record<Colour, TrackIdentityArgs | undefined>;
}

/**
 * A track's IAM role name: `modelship-<namespace>-<model>-<colour>` when it fits IAM's 64
 * characters; else its start, a hash of the whole name and the colour, so two tracks (or two long
 * models) never share a role, and names that fit stay as they always were.
 */
export function iamRoleName(namespace: string, model: string, colour: Colour): string {
  const full = `modelship-${namespace}-${trackName(model, colour)}`;
  if (full.length <= IAM_ROLE_NAME_MAX) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 10);
  const tail = `-${hash}-${colour}`;
  return `${full.slice(0, IAM_ROLE_NAME_MAX - tail.length).replace(/-+$/, "")}${tail}`;
}

export function modelAwsPlan(model: ModelConfig, fleet: Pick<FleetConfig, "namespace" | "aws">): ModelAwsPlan {
  const aws = fleet.aws.enabled ? fleet.aws : undefined;
  const images = Object.fromEntries(
    COLOURS.map((c): [Colour, ImageSource] => {
      const image = model.tracks[c].image;
      // The schema requires an image unless the model builds one (which needs AWS on).
      return [c, image !== undefined || !model.build || !aws ? { image: image ?? "" } : { build: { ...model.build, tag: model.tracks[c].version } }];
    }),
  ) as Record<Colour, ImageSource>;
  // IRSA: each track may read only its model's artifacts (the schema checks the URIs).
  const identity = (c: Colour): TrackIdentityArgs | undefined => {
    const where = aws && s3Location(model.tracks[c].modelUri);
    if (!aws || !where || !aws.oidcProviderArn || !aws.oidcProviderUrl) return undefined;
    return {
      roleName: iamRoleName(fleet.namespace, model.name, c),
      oidcProviderArn: aws.oidcProviderArn,
      oidcProviderUrl: aws.oidcProviderUrl,
      namespace: fleet.namespace,
      serviceAccount: trackName(model.name, c),
      bucket: where.bucket,
      prefix: where.prefix,
      kmsKeyArn: aws.kmsKeyArn,
    };
  };
  return {
    repository: aws && { repositoryName: `modelship/${model.name}`, keepImages: aws.keepImages, untaggedExpiryDays: aws.untaggedExpiryDays, kmsKeyArn: aws.kmsKeyArn },
    images,
    identities: { blue: identity("blue"), green: identity("green") },
  };
}

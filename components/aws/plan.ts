// Which AWS pieces a model gets, decided from its config alone (pure); the components only wire them.
import { COLOURS, type Colour, type FleetConfig, type ModelConfig } from "../config/schema";
import { trackName } from "../serving/labels";
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
      roleName: `modelship-${fleet.namespace}-${trackName(model.name, c)}`.slice(0, 64),
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

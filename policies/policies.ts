import type { Policies } from "@pulumi/policy";
import { containerProbes } from "./container-probes";
import { containerResources } from "./container-resources";
import { ecrScanImmutable } from "./ecr";
import { noHostAccess } from "./host-access";
import { hpaReplicaBounds } from "./hpa-bounds";
import { imagePinnedByDigest } from "./image-digest";
import { loadBalancerInternal } from "./load-balancer";
import { modelHasMonitoring } from "./model-monitoring";
import { podSecurityRestricted } from "./pod-security";
import { candidateQualityGate } from "./quality-gate";
import { productionWeightOnStep, routeWeightsValid } from "./route-weights";
import { s3ModelBucketSecure } from "./s3";
import { serviceAccountTokenAutomount } from "./service-account-token";
import { servingHasPdbAndNetworkPolicy } from "./serving-protection";

/** Every policy of the pack, in the order reports list them. */
export const POLICIES: Policies = [
  containerResources,
  containerProbes,
  imagePinnedByDigest,
  podSecurityRestricted,
  noHostAccess,
  serviceAccountTokenAutomount,
  hpaReplicaBounds,
  loadBalancerInternal,
  ecrScanImmutable,
  s3ModelBucketSecure,
  servingHasPdbAndNetworkPolicy,
  modelHasMonitoring,
  routeWeightsValid,
  productionWeightOnStep,
  candidateQualityGate,
];

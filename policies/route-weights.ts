import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { Manifest } from "../components/kube";
import { albRouter } from "../components/routing/alb";
import { gatewayApiRouter } from "../components/routing/gateway-api";
import { istioRouter } from "../components/routing/istio";
import { nginxRouter } from "../components/routing/nginx";
import { ANNOTATION, type RouterDefinition } from "../components/routing/router";
import { serviceRouter } from "../components/routing/service";
import { isServingDeployment, kindOf } from "./kube";

type Colour = "blue" | "green";

export interface ModelRoute {
  model: string;
  namespace?: string;
  router: string;
  /** undefined when pods, not the route, decide the split (the replicas router). */
  weights?: Record<Colour, number>;
  steps?: number[];
}

/** Which router rendered a model's routing objects, told apart by their kinds and annotations. */
function routerOf(objects: Manifest[], model: string): [string, RouterDefinition | undefined] {
  if (objects.some((o) => o.kind === "HTTPRoute")) return ["gateway-api", gatewayApiRouter];
  if (objects.some((o) => o.kind === "VirtualService")) return ["istio", istioRouter];
  if (objects.some((o) => o.kind === "Ingress" && o.metadata.annotations?.["nginx.ingress.kubernetes.io/canary"])) return ["nginx", nginxRouter];
  if (objects.some((o) => o.kind === "Ingress" && o.metadata.annotations?.["alb.ingress.kubernetes.io/actions.weighted"])) return ["alb", albRouter];
  const live = objects.find((o) => o.kind === "Service" && o.metadata.name === model);
  return live?.spec?.selector?.["modelship.io/track"] ? ["service", serviceRouter] : ["replicas", undefined];
}

/** Every model's routing objects, read back into weights and steps. */
export function modelRoutes(resources: readonly PolicyResource[]): ModelRoute[] {
  const route = resources.filter((r) => r.props.metadata?.labels?.["app.kubernetes.io/component"] === "route" && kindOf(r.type));
  const models = [...new Set(route.map((r) => r.props.metadata.labels["app.kubernetes.io/name"] as string))];
  return models.map((model) => {
    const objects = route.filter((r) => r.props.metadata.labels["app.kubernetes.io/name"] === model).map((r) => ({ ...r.props, kind: kindOf(r.type)! }) as Manifest);
    const [router, definition] = routerOf(objects, model);
    const steps = objects.map((o) => o.metadata.annotations?.[ANNOTATION.steps]).find((s) => s !== undefined);
    return {
      model,
      namespace: objects[0]?.metadata.namespace,
      router,
      weights: definition?.observedWeights(model, objects),
      steps: steps === undefined ? undefined : steps.split(",").map(Number),
    };
  });
}

/** Whether a track can take traffic: its Deployment runs pods (an HPA or KEDA ScaledObject with min >= 1, or replicas > 0). */
export function hasCapacity(resources: readonly PolicyResource[], model: string, colour: Colour, ns?: string): boolean {
  const name = `${model}-${colour}`;
  const match = (kind: string) => resources.find((r) => kindOf(r.type) === kind && r.props.metadata?.name === name && r.props.metadata?.namespace === ns);
  const deployment = match("Deployment");
  if (!deployment || !isServingDeployment(deployment.type, deployment.props)) return false;
  // A ScaledObject's minReplicaCount defaults to 0: KEDA scales such a track to zero when idle.
  const scaled = match("ScaledObject");
  if (scaled) return (scaled.props.spec?.minReplicaCount ?? 0) >= 1;
  const hpa = match("HorizontalPodAutoscaler");
  return (hpa?.props.spec?.minReplicas ?? 0) >= 1 || (deployment.props.spec?.replicas ?? (hpa ? 0 : 1)) > 0;
}

/** The route splits all traffic, and never onto a track that runs no pods. */
export const routeWeightsValid: StackValidationPolicy = {
  name: "route-weights-valid",
  description: "Per model, the route's weights sum to 100 and no weight goes to a track without capacity.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const r of modelRoutes(args.resources)) {
      if (!r.weights) continue;
      const sum = r.weights.blue + r.weights.green;
      if (sum !== 100) reportViolation(`model ${r.model} (${r.router}): route weights sum to ${sum} (blue ${r.weights.blue}, green ${r.weights.green}), not 100`);
      for (const c of ["blue", "green"] as const) {
        if (r.weights[c] > 0 && !hasCapacity(args.resources, r.model, c, r.namespace)) {
          reportViolation(`model ${r.model} (${r.router}): ${r.weights[c]}% of traffic goes to the ${c} track, which runs no pods`);
        }
      }
    }
  },
};

/**
 * The rule of production-weight-on-step (pure): one track's weight is 0, 100 or one of the steps
 * (the other holds the rest). The problem in words, or undefined when the weights are on the steps.
 * The modelship CLI applies the same function before it writes a change, so it refuses exactly
 * what this policy would stop at `pulumi up` where it is mandatory.
 */
export function offStepWeights(weights: Record<Colour, number>, steps: readonly number[]): string | undefined {
  const allowed = new Set([0, 100, ...steps]);
  if (allowed.has(weights.blue) || allowed.has(weights.green)) return undefined;
  return `weights blue ${weights.blue} / green ${weights.green} are not on the model's steps (${steps.join(", ")})`;
}

/**
 * Production moves traffic only along the model's reviewed steps. Policies see only the proposed
 * state, so this checks the weight, not the order of steps (that is the CLI's job): one track's
 * weight must be 0, 100 or a step (the other holds the rest). Mandatory in production.json.
 */
export const productionWeightOnStep: StackValidationPolicy = {
  name: "production-weight-on-step",
  description: "A candidate's weight is 0, 100 or one of the model's steps (read from the route's modelship.io/steps annotation).",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    for (const r of modelRoutes(args.resources)) {
      if (!r.weights) continue;
      if (!r.steps) {
        reportViolation(`model ${r.model} (${r.router}): routing objects carry no ${ANNOTATION.steps} annotation`);
        continue;
      }
      const problem = offStepWeights(r.weights, r.steps);
      if (problem) reportViolation(`model ${r.model} (${r.router}): ${problem}`);
    }
  },
};

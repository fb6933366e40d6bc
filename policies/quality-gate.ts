import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ANNOTATION, type QualityGateAnnotation } from "../components/routing/router";
import { kindOf } from "./kube";
import { hasCapacity, modelRoutes } from "./route-weights";

type Colour = "blue" | "green";

/** The model's quality-gate annotation, from whichever of its routing objects carries it. */
function gateOf(resources: readonly PolicyResource[], model: string): string | undefined {
  return resources
    .filter((r) => kindOf(r.type) && r.props.metadata?.labels?.["app.kubernetes.io/component"] === "route" && r.props.metadata?.labels?.["app.kubernetes.io/name"] === model)
    .map((r) => r.props.metadata?.annotations?.[ANNOTATION.qualityGate] as string | undefined)
    .find((a) => a !== undefined);
}

function parse(text: string): QualityGateAnnotation | undefined {
  try {
    const g = JSON.parse(text);
    return g && typeof g === "object" && (g.track === "blue" || g.track === "green") && typeof g.version === "string" && ["none", "pass", "fail", "override"].includes(g.state) ? g : undefined;
  } catch {
    return undefined;
  }
}

/** The version a track's Deployment runs (its pods' app.kubernetes.io/version label). */
function runningVersion(resources: readonly PolicyResource[], model: string, colour: Colour, ns?: string): string | undefined {
  const d = resources.find((r) => kindOf(r.type) === "Deployment" && r.props.metadata?.name === `${model}-${colour}` && r.props.metadata?.namespace === ns);
  return d?.props.spec?.template?.metadata?.labels?.["app.kubernetes.io/version"];
}

/**
 * The offline quality gate, as the rendered objects show it: the object carrying a model's
 * weights is annotated with the candidate's gate while the candidate takes traffic, and a
 * candidate below its thresholds must not take any unless the stack file records an override.
 * The schema enforces the same rule before anything renders; this holds it for whatever renders
 * the objects (another program, an older modelship, a hand-patched output).
 */
export const candidateQualityGate: StackValidationPolicy = {
  name: "candidate-quality-gate",
  description:
    "A candidate takes live traffic only if its recorded offline metrics meet the model's thresholds or the stack file records a qualityOverride (read from the routing object's modelship.io/quality-gate annotation).",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    for (const r of modelRoutes(args.resources)) {
      const at = `model ${r.model} (${r.router})`;
      const text = gateOf(args.resources, r.model);
      // No annotation: the candidate took no traffic when the objects were rendered. Weights
      // edited into the objects afterwards are route-weights-valid's and production-weight-on-step's.
      if (text === undefined) continue;
      const gate = parse(text);
      if (!gate) {
        reportViolation(`${at}: the ${ANNOTATION.qualityGate} annotation is not a quality gate ({track, version, state}): ${text.slice(0, 200)}`);
        continue;
      }
      const running = runningVersion(args.resources, r.model, gate.track, r.namespace);
      if (running !== undefined && running !== gate.version) {
        reportViolation(`${at}: the ${ANNOTATION.qualityGate} annotation is for ${gate.track} ${gate.version}, but the ${gate.track} track runs ${running}`);
        continue;
      }
      // Routers whose objects carry the weights say how much; with the replicas router the pods decide.
      const share = r.weights ? r.weights[gate.track] : hasCapacity(args.resources, r.model, gate.track, r.namespace) ? undefined : 0;
      if (gate.state === "fail" && share !== 0) {
        reportViolation(
          `${at}: ${gate.track} ${gate.version} takes ${share === undefined ? "traffic (it runs pods)" : `${share}% of traffic`} but is below the model's quality thresholds (${(gate.shortfalls ?? []).join("; ")}), and the stack file records no tracks.${gate.track}.qualityOverride`,
        );
      }
    }
  },
};

// The Kubernetes specs of one serving track, as plain data (no Pulumi imports) so the
// decisions in them — security context, probes, who owns `replicas` — are testable alone.
import type { Colour, ModelConfig } from "../config/schema";
import type { TrackCapacity } from "./capacity";
import { metricsPort, metricsPortName } from "../monitoring/scrape";
import { modelSelector, objectNames, podLabels, trackName, trackSelector } from "./labels";
import { copiesModel, modelCopyContainer, modelPath, podSettings, podVolumes, serverMounts } from "./pod";

/** The Secret holding a model's `{secret: NAME}` environment values. */
export const envSecretName = objectNames.envSecret;

/** The `modelship:secrets` keys a model's env refers to. */
export const referencedSecrets = (model: ModelConfig): string[] =>
  Object.values(model.env).flatMap((v) => (typeof v === "object" && "secret" in v ? [v.secret] : []));

export const CONTAINER_NAME = "model-server";
export const HTTP_PORT_NAME = "http";
/** Endpoints are removed from Services before the container gets SIGTERM. */
export const PRESTOP_SLEEP_SECONDS = 10;
export const TERMINATION_GRACE_SECONDS = 45;
// Images built for modelship run as this UID (see the reference Dockerfile); any non-root UID works.
export const RUN_AS_USER = 10001;

/** Whether the track runs pods at all. With pods, the HPA owns the replica count. */
export const hasPods = (capacity: TrackCapacity) => capacity.maxReplicas > 0;

function envVars(model: ModelConfig, colour: Colour) {
  const track = model.tracks[colour];
  const own = [
    { name: "MODEL_NAME", value: model.name },
    { name: "MODEL_VERSION", value: track.version },
    { name: "MODEL_URI", value: track.modelUri },
    { name: "MODEL_TRACK", value: colour },
    { name: "MODEL_PATH", value: modelPath(model, colour) },
  ];
  const configured = Object.entries(model.env).map(([name, v]) => {
    if (typeof v === "string") return { name, value: v };
    const ref = "secret" in v ? { name: envSecretName(model.name), key: v.secret } : v.secretKeyRef;
    return { name, valueFrom: { secretKeyRef: ref } };
  });
  return [...own, ...configured];
}

function probe(p: ModelConfig["probes"]["startup"]) {
  return {
    httpGet: { path: p.path, port: HTTP_PORT_NAME },
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
  };
}

function resources(model: ModelConfig) {
  const { requests, limits, gpu, gpuResource } = model.resources;
  const gpus: Record<string, string> = gpu > 0 ? { [gpuResource]: String(gpu) } : {};
  const storage = (q: string | undefined): Record<string, string> => (q === undefined ? {} : { "ephemeral-storage": q });
  return {
    requests: { cpu: requests.cpu, memory: requests.memory, ...storage(requests["ephemeral-storage"]), ...gpus },
    limits: { cpu: limits.cpu, memory: limits.memory, ...storage(limits["ephemeral-storage"]), ...gpus },
  };
}

/** Pod Security Standards "restricted", at pod level. */
export const podSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  fsGroup: RUN_AS_USER,
  seccompProfile: { type: "RuntimeDefault" },
};

/** Pod Security Standards "restricted", at container level. */
export const containerSecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  privileged: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** Fleet settings a pod needs. */
export interface PodContext {
  /** The image of the init container that copies a model (modelship:modelCopy.image). */
  modelCopyImage?: string;
}

/** `image` is the configured image or, for a built one, its pushed digest (any value the caller resolves). */
export function deploymentSpec<Image = string>(model: ModelConfig, colour: Colour, capacity: TrackCapacity, image: Image, pod: PodContext = {}) {
  const track = model.tracks[colour];
  const copy = copiesModel(model) && pod.modelCopyImage !== undefined ? [modelCopyContainer(pod.modelCopyImage, track.modelUri, containerSecurityContext)] : [];
  const selector = trackSelector(model.name, colour);
  return {
    // Without pods nothing else may own the count; with pods the HPA does, and a `replicas`
    // here would make every `pulumi up` fight it.
    ...(hasPods(capacity) ? {} : { replicas: 0 }),
    selector: { matchLabels: selector },
    revisionHistoryLimit: 5,
    minReadySeconds: 5,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
    template: {
      // Config's own pod labels first: modelship's (the selector) always win.
      metadata: {
        labels: { ...model.podLabels, ...podLabels(model.name, colour, track.version) },
        ...(Object.keys(model.podAnnotations).length > 0 ? { annotations: model.podAnnotations } : {}),
      },
      spec: {
        serviceAccountName: trackName(model.name, colour),
        automountServiceAccountToken: false,
        // Service links would put <SERVICE>_PORT variables in the env, which some servers read as
        // their own settings (vLLM's docs warn of VLLM_PORT from a Service named vllm).
        enableServiceLinks: false,
        securityContext: podSecurityContext,
        terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
        nodeSelector: Object.keys(model.nodeSelector).length > 0 ? model.nodeSelector : undefined,
        tolerations: model.tolerations.length > 0 ? model.tolerations : undefined,
        ...podSettings(model),
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selector }, matchLabelKeys: ["pod-template-hash"] },
          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector }, matchLabelKeys: ["pod-template-hash"] },
        ],
        ...(copy.length > 0 ? { initContainers: copy } : {}),
        containers: [
          {
            name: CONTAINER_NAME,
            image,
            imagePullPolicy: "IfNotPresent",
            ...(model.command ? { command: model.command } : {}),
            ...(model.args ? { args: model.args } : {}),
            ports: [
              { name: HTTP_PORT_NAME, containerPort: model.port, protocol: "TCP" },
              ...(metricsPortName(model) === HTTP_PORT_NAME ? [] : [{ name: metricsPortName(model), containerPort: metricsPort(model), protocol: "TCP" }]),
            ],
            env: envVars(model, colour),
            resources: resources(model),
            startupProbe: probe(model.probes.startup),
            readinessProbe: probe(model.probes.readiness),
            livenessProbe: probe(model.probes.liveness),
            // The built-in sleep action needs no shell in the image (Kubernetes >= 1.30).
            lifecycle: { preStop: { sleep: { seconds: PRESTOP_SLEEP_SECONDS } } },
            securityContext: containerSecurityContext,
            volumeMounts: serverMounts(model),
          },
        ],
        volumes: podVolumes(model),
      },
    },
  };
}

export function hpaSpec(model: ModelConfig, colour: Colour, capacity: TrackCapacity) {
  const { cpuUtilization, memoryUtilization, behavior } = model.autoscaling;
  const utilization = (name: string, averageUtilization: number) => ({
    type: "Resource",
    resource: { name, target: { type: "Utilization", averageUtilization } },
  });
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: trackName(model.name, colour) },
    minReplicas: capacity.minReplicas,
    maxReplicas: capacity.maxReplicas,
    // metric memory: memory alone (the schema requires memoryUtilization); cpu: cpu, and memory too when set.
    metrics:
      model.autoscaling.metric === "memory" && memoryUtilization
        ? [utilization("memory", memoryUtilization)]
        : [utilization("cpu", cpuUtilization), ...(memoryUtilization ? [utilization("memory", memoryUtilization)] : [])],
    behavior,
  };
}

export function pdbSpec(model: ModelConfig, colour: Colour) {
  return {
    // maxUnavailable stays meaningful as the HPA changes the count; AlwaysAllow lets a
    // drain evict pods that never became ready.
    maxUnavailable: 1,
    unhealthyPodEvictionPolicy: "AlwaysAllow",
    selector: { matchLabels: trackSelector(model.name, colour) },
  };
}

export const SERVICE_PORT = 80;

/** A ClusterIP Service on the given pods; with `metrics`, it also publishes the metrics port. */
export function serviceSpec(selector: Record<string, string>, metrics?: { name: string; port: number }) {
  return {
    type: "ClusterIP",
    selector,
    ports: [
      { name: HTTP_PORT_NAME, port: SERVICE_PORT, targetPort: HTTP_PORT_NAME, protocol: "TCP" },
      ...(metrics && metrics.name !== HTTP_PORT_NAME ? [{ name: metrics.name, port: metrics.port, targetPort: metrics.name, protocol: "TCP" }] : []),
    ],
  };
}

/** The track Service: serving port, and the metrics port when the server has its own. */
export const trackServiceSpec = (model: ModelConfig, colour: Colour) =>
  serviceSpec(trackSelector(model.name, colour), { name: metricsPortName(model), port: metricsPort(model) });

export interface NetworkPeer {
  namespace?: string;
  podLabels?: Record<string, string>;
  /** An address range outside the cluster's pods, e.g. a load balancer's VPC. */
  cidr?: string;
}

const peer = (p: NetworkPeer) => ({
  ...(p.cidr !== undefined ? { ipBlock: { cidr: p.cidr } } : {}),
  ...(p.namespace !== undefined ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": p.namespace } } } : {}),
  ...(p.podLabels !== undefined ? { podSelector: { matchLabels: p.podLabels } } : {}),
});

/** Ingress only from the routing layer and callers on the serving port, and from Prometheus on the metrics port. */
export function networkPolicySpec(model: ModelConfig, callers: readonly NetworkPeer[], prometheus: NetworkPeer) {
  return {
    podSelector: { matchLabels: modelSelector(model.name) },
    policyTypes: ["Ingress"],
    ingress: [
      { from: callers.map(peer), ports: [{ protocol: "TCP", port: model.port }] },
      { from: [peer(prometheus)], ports: [{ protocol: "TCP", port: metricsPort(model) }] },
    ],
  };
}

// The parts of a track's pod that come from its server preset and pod settings: what the server
// loads, the model copy, volumes and scheduling. Pure, like manifests.ts.
import type { Colour, ModelConfig } from "../config/schema";
import { MODEL_DIR, RUNTIMES } from "./runtimes";

/** Volumes modelship mounts itself: /tmp, and the copied model. */
export const TMP_VOLUME = "tmp";
export const MODEL_VOLUME = "model";
export const MODEL_COPY_CONTAINER = "model-copy";

export const copiesModel = (model: Pick<ModelConfig, "server">) => RUNTIMES[model.server].delivery === "copy";

/**
 * What the server loads (`MODEL_PATH`): the local copy, or the URI for a server that fetches it
 * itself; an `hf://org/name` URI is the Hugging Face repository id `org/name` the servers take.
 */
export function modelPath(model: ModelConfig, colour: Colour): string {
  if (copiesModel(model)) return MODEL_DIR;
  const uri = model.tracks[colour].modelUri;
  return uri.startsWith("hf://") ? uri.slice("hf://".length) : uri;
}

/** The pod's volumes: /tmp, the model copy's, then the model's own. */
export function podVolumes(model: ModelConfig) {
  const own = model.volumes.map((v) => ({
    name: v.name,
    ...(v.emptyDir ? { emptyDir: { ...(v.emptyDir.medium ? { medium: v.emptyDir.medium } : {}), ...(v.emptyDir.sizeLimit ? { sizeLimit: v.emptyDir.sizeLimit } : {}) } } : {}),
    ...(v.persistentVolumeClaim ? { persistentVolumeClaim: v.persistentVolumeClaim } : {}),
    ...(v.configMap ? { configMap: v.configMap } : {}),
    ...(v.secret ? { secret: v.secret } : {}),
  }));
  return [{ name: TMP_VOLUME, emptyDir: {} }, ...(copiesModel(model) ? [{ name: MODEL_VOLUME, emptyDir: {} }] : []), ...own];
}

/** The server container's mounts; the copied model is read-only for it. */
export function serverMounts(model: ModelConfig) {
  return [
    { name: TMP_VOLUME, mountPath: "/tmp" },
    ...(copiesModel(model) ? [{ name: MODEL_VOLUME, mountPath: MODEL_DIR, readOnly: true }] : []),
    ...model.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}), ...(v.subPath ? { subPath: v.subPath } : {}) })),
  ];
}

/**
 * The init container that copies the track's model into the pod before the server starts, with
 * the pod's IRSA role (the EKS webhook projects the token into every container). `aws s3 cp
 * --recursive` copies a prefix and `--only-show-errors` keeps the log to failures (AWS CLI v2
 * reference, `aws s3 cp`); it lists the prefix first, so the role has s3:ListBucket on it
 * (components/aws/documents.ts). Its HOME is /tmp, since the root filesystem is read-only.
 */
export function modelCopyContainer(image: string, modelUri: string, securityContext: object) {
  return {
    name: MODEL_COPY_CONTAINER,
    image,
    imagePullPolicy: "IfNotPresent",
    // The kubelet expands $(VAR) in command and args from this container's own env only
    // (Kubernetes docs, "Define a command and arguments for a container": "Use environment
    // variables to define arguments"); an unset variable would stay as the literal text.
    env: [
      { name: "MODEL_URI", value: modelUri },
      { name: "HOME", value: "/tmp" },
    ],
    command: ["aws", "s3", "cp", "--recursive", "--only-show-errors", "$(MODEL_URI)", MODEL_DIR],
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    securityContext,
    volumeMounts: [
      { name: TMP_VOLUME, mountPath: "/tmp" },
      { name: MODEL_VOLUME, mountPath: MODEL_DIR },
    ],
  };
}

/** Scheduling and pull settings the model asks for, only those it sets. */
export function podSettings(model: ModelConfig) {
  return {
    ...(model.affinity ? { affinity: model.affinity } : {}),
    ...(model.priorityClassName ? { priorityClassName: model.priorityClassName } : {}),
    ...(model.runtimeClassName ? { runtimeClassName: model.runtimeClassName } : {}),
    ...(model.imagePullSecrets.length > 0 ? { imagePullSecrets: model.imagePullSecrets.map((name) => ({ name })) } : {}),
  };
}

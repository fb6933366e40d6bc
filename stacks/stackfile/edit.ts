// Reads a model's rollout state from a stack file and writes an edit back, keeping the
// file's comments, key order and formatting (the yaml library's Document API).
import * as fs from "fs";
import type * as YAML from "yaml";
import type { FleetConfig, ModelConfig } from "../../components/config/schema";
import { misspeltNamespaceWarnings, modelshipKeys, stackFileName } from "../../components/config/stack-keys";
import { CONFIG_NAMESPACE, parseFleetConfig } from "../../components/config/validate";
import type { Edit, ModelState } from "../rollout/state";
import { parseStackDocument, stackConfigFromDocument, stackConfigFromText, stackDocumentText, stackFilePath, StackFileError, type Project, type StackConfig } from "./file";

export interface StackDocument {
  project: Project;
  stack: string;
  file: string;
  name: string;
  text: string;
  doc: YAML.Document;
}

export function loadStackDocument(project: Project, stack: string): StackDocument {
  const file = stackFilePath(project, stack);
  const text = fs.readFileSync(file, "utf8");
  const name = stackFileName(stack);
  return { project, stack, file, name, text, doc: parseStackDocument(name, text) };
}

/**
 * The validated fleet config a stack file's text holds, and what it hands the program. Keys the
 * program would ignore for a misspelt namespace go to `warn` first (a command's stderr).
 */
export function fleetOfText(project: Project, name: string, text: string, warn?: (message: string) => void): { fleet: FleetConfig; config: StackConfig } {
  return fleetOfConfig(name, stackConfigFromText(project, name, text), warn);
}

/** fleetOfText for a document already parsed (or edited): nothing is parsed again. */
export function fleetOfDocument(s: Pick<StackDocument, "project" | "name" | "doc">, warn?: (message: string) => void): { fleet: FleetConfig; config: StackConfig } {
  return fleetOfConfig(s.name, stackConfigFromDocument(s.project, s.name, s.doc), warn);
}

function fleetOfConfig(name: string, config: StackConfig, warn?: (message: string) => void): { fleet: FleetConfig; config: StackConfig } {
  if (warn) for (const w of misspeltNamespaceWarnings(Object.keys(config.config), name)) warn(w);
  return { fleet: parseFleetConfig(modelshipKeys(config.config), name), config };
}

/** The key the models list sits under: namespaced, or bare as Pulumi also accepts. */
function modelsKey(s: StackDocument): string {
  for (const key of [`${CONFIG_NAMESPACE}:models`, "models"]) if (s.doc.hasIn(["config", key])) return key;
  throw new StackFileError(`${s.name}: ${CONFIG_NAMESPACE}:models: required`);
}

export function findModel(fleet: FleetConfig, name: string, stackFile: string): number {
  const i = fleet.models.findIndex((m) => m.name === name);
  if (i < 0) throw new StackFileError(`${stackFile}: no model "${name}" in ${CONFIG_NAMESPACE}:models (models: ${fleet.models.map((m) => m.name).join(", ")})`);
  return i;
}

export function modelState(m: ModelConfig): ModelState {
  const track = (c: "blue" | "green") => {
    const t = m.tracks[c];
    return {
      version: t.version,
      ...(t.image !== undefined ? { image: t.image } : {}),
      modelUri: t.modelUri,
      weight: t.weight,
      ...(t.retired ? { retired: true } : {}),
      ...(t.rolledBack ? { rolledBack: true } : {}),
      ...(t.peakWeight !== undefined ? { peakWeight: t.peakWeight } : {}),
      ...(t.metrics ? { metrics: t.metrics } : {}),
      ...(t.qualityOverride ? { qualityOverride: t.qualityOverride } : {}),
    };
  };
  return { name: m.name, stable: m.stable, steps: m.steps, tracks: { blue: track("blue"), green: track("green") }, ...(m.thresholds ? { thresholds: m.thresholds } : {}) };
}

/** The stack file's text with the edits applied to model `index`; nothing else changes. */
export function applyEdits(s: StackDocument, index: number, edits: readonly Edit[]): string {
  return applyModelEdits(s, [{ index, edits }]);
}

/** The stack file's text with each model's edits applied, in one document; nothing else changes. */
export function applyModelEdits(s: StackDocument, changes: readonly { index: number; edits: readonly Edit[] }[]): string {
  return editDocument({ ...s, doc: s.doc.clone() }, changes).text;
}

/** Documents already edited in place: each holds one change, planned once. */
const edited = new WeakSet<YAML.Document>();

/**
 * Applies each model's edits to the document itself and returns it with the text it writes: no
 * copy of the whole document, whose cost grows with the fleet. A command reads its stack file,
 * plans one change and writes it, so the document is used up; planning a second change on it
 * would start from the first one's result, and throws.
 */
export function editModels(s: StackDocument, changes: readonly { index: number; edits: readonly Edit[] }[]): { doc: YAML.Document; text: string } {
  if (edited.has(s.doc)) throw new Error(`${s.name}: its document already holds a planned change; read the stack file again to plan another`);
  edited.add(s.doc);
  return editDocument(s, changes);
}

function editDocument(s: StackDocument, changes: readonly { index: number; edits: readonly Edit[] }[]): { doc: YAML.Document; text: string } {
  const doc = s.doc;
  const key = modelsKey(s);
  for (const { index, edits } of changes) {
    const base = ["config", key, index];
    for (const e of edits) {
      if (e.remove) doc.deleteIn([...base, ...e.path]);
      else doc.setIn([...base, ...e.path], e.value);
    }
  }
  return { doc, text: stackDocumentText(doc, s.text) };
}

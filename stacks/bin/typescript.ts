// A project whose Pulumi.yaml `main` is TypeScript (index.ts, as `pulumi new typescript` makes)
// is loaded by `modelship synth` as `pulumi up` loads it: through ts-node, with the project's
// own tsconfig.json and, preferably, its own ts-node and typescript. The compiled CLI registers
// ts-node only when it first meets a .ts file, so a JavaScript program never needs either.
import * as path from "path";

type TsNode = { register(options: Record<string, unknown>): unknown };
type Loader = (module: NodeJS.Module, filename: string) => void;

/** ts-node as the project resolves it (Pulumi's order), else as modelship does (a peer). */
function resolveTsNode(fromDir: string): string | undefined {
  for (const paths of [[fromDir], [__dirname]]) {
    try {
      return require.resolve("ts-node", { paths });
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/**
 * Registers, once, a `.ts` loader that on its first file registers ts-node (transpile only,
 * as this checkout's launcher does: `tsc --noEmit` or `pulumi up` is where types are checked)
 * with the tsconfig.json nearest that file, then loads it. A no-op when `.ts` already loads.
 */
export function loadTypeScriptOnDemand(): void {
  const extensions = require.extensions as unknown as Record<string, Loader | undefined>;
  if (extensions[".ts"]) return;
  const onDemand: Loader = (module, filename) => {
    const dir = path.dirname(filename);
    const tsNode = resolveTsNode(dir);
    if (!tsNode) {
      throw new Error(
        `${filename} is TypeScript and ts-node is not installed: add ts-node and typescript to the project (npm install --save-dev ts-node typescript), as a TypeScript Pulumi program needs, or point Pulumi.yaml main at compiled JavaScript`,
      );
    }
    delete extensions[".ts"];
    (require(tsNode) as TsNode).register({ transpileOnly: true, projectSearchDir: dir });
    const loader = extensions[".ts"];
    if (!loader) throw new Error(`ts-node (${tsNode}) did not register a loader for .ts files`);
    loader(module, filename);
  };
  extensions[".ts"] = onDemand;
}

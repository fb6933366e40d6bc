// modelship's own package.json, read at run time (the one file read of the monitoring code):
// the runbooks' default link names the installed version and the repository it came from.
import * as fs from "fs";
import * as path from "path";
import type { PackageSource } from "./runbooks";

const NAME = "modelship";
let cached: PackageSource | undefined;

/**
 * The nearest package.json named `modelship` at or above this module: the checkout's root when
 * run from source (components/monitoring/), the package's root when installed
 * (node_modules/modelship/dist/components/monitoring/). Never bundled into the build, so it is
 * always the package's real version and repository.
 */
export function modelshipPackage(from: string = __dirname): PackageSource {
  if (from === __dirname && cached) return cached;
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown; repository?: unknown };
      if (pkg.name === NAME && typeof pkg.version === "string") {
        const found: PackageSource = { version: pkg.version, repository: pkg.repository as PackageSource["repository"] };
        if (from === __dirname) cached = found;
        return found;
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`modelship: no package.json named "${NAME}" at or above ${from}`);
  }
}

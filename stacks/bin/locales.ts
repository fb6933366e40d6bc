// zod loads the messages of all its ~50 locales whenever it is loaded (`zod`, `zod/mini` and
// `zod/v4/core` each set `locales` to the module `../locales/index.cjs`; the upstream change that
// would have let them be skipped, colinhacks/zod#5465, was closed unmerged). modelship writes
// its own messages and uses none of them, yet those 64 files were the largest part of loading
// zod: about 50 ms of every command on Node 20 and 35 ms on Node 22, measured here, against
// 0.3 s for a whole `status`. So the CLI's process defers that one module until something reads
// from it. Only the CLI's launcher does this, never the library a Pulumi program imports: the
// process is modelship's own, and a user's program that `modelship synth` runs in it still gets
// every locale, on first use.
import * as nodeModule from "module";

type Exports = Record<PropertyKey, unknown>;

/**
 * Puts, in `require.cache` (Node's documented module cache, to which "adding or replacing entries
 * is also possible"), a stand-in for zod's locales index that loads the real one the first time
 * anything but its `__esModule` flag is read, then forwards every read to it. A no-op when that
 * module is already loaded or cannot be found (a zod without it).
 */
export function deferZodLocales(): void {
  let file: string;
  try {
    file = require.resolve("zod/v4/locales");
  } catch {
    return;
  }
  if (require.cache[file]) return;
  let real: Exports | undefined;
  const load = (): Exports => {
    if (!real) {
      delete require.cache[file];
      real = require(file) as Exports;
    }
    return real;
  };
  const standIn = new Proxy({} as Exports, {
    // zod reads the flag through TypeScript's __importStar, which then keeps this object as it is.
    get: (_, key) => (key === "__esModule" ? true : load()[key]),
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    // The stand-in owns none of these itself, so a proxy may only report them as configurable.
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true };
    },
  });
  const entry = new nodeModule.Module(file);
  entry.filename = file;
  entry.loaded = true;
  entry.exports = standIn;
  require.cache[file] = entry;
}

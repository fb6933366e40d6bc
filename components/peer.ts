// Optional peer dependencies (@pulumi/aws, @pulumi/docker), loaded on first use: a fleet that
// turns neither AWS nor image builds on runs without them installed. Their types are imported
// with `import type` only, which compiles to nothing.

/** `require(name)`, or an error that says which setting needs the package and how to add it. */
export function requirePeer<T>(name: string, neededFor: string): T {
  try {
    return require(name) as T;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && (e as Error).message.includes(`'${name}'`);
    if (!missing) throw e;
    throw new Error(`${neededFor} needs the package ${name}, an optional peer dependency of modelship: install it in the project (npm install ${name})`);
  }
}

// HEALTHCHECK of the container image: the runtime image has no shell or curl, only node.
const port = process.env.PORT ?? "8080";
fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) })
  .then((r) => process.exit(r.ok ? 0 : 1))
  .catch(() => process.exit(1));

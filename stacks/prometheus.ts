// A minimal client of the Prometheus HTTP API: instant queries, with failures that say what
// went wrong (unreachable, HTTP status, a query Prometheus rejected).

export class PrometheusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrometheusError";
  }
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Evaluates `query` at `time` (unix seconds; default now) and returns its vector; NaN values (0/0) are dropped. */
export async function instantQuery(baseUrl: string, query: string, time?: number, timeoutMs = 10_000): Promise<Sample[]> {
  const url = new URL("api/v1/query", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query, ...(time !== undefined ? { time: String(time) } : {}) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new PrometheusError(`Prometheus at ${baseUrl} is unreachable (${reason})`);
  }
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: { metric: Record<string, string>; value: [number, string] }[] } };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new PrometheusError(`Prometheus at ${baseUrl} answered HTTP ${response.status} without JSON`);
  }
  if (!response.ok || body.status !== "success") throw new PrometheusError(`Prometheus rejected a query (HTTP ${response.status}: ${body.error ?? "no reason given"}): ${query}`);
  if (body.data?.resultType !== "vector" || !Array.isArray(body.data.result)) throw new PrometheusError(`Prometheus answered a ${body.data?.resultType ?? "malformed"} result to: ${query}`);
  const samples = body.data.result.map((r) => ({ labels: r?.metric ?? {}, value: Number(Array.isArray(r?.value) ? r.value[1] : Number.NaN) }));
  if (body.data.result.some((r) => !Array.isArray(r?.value))) throw new PrometheusError(`Prometheus answered a malformed vector to: ${query}`);
  return samples.filter((s) => !Number.isNaN(s.value));
}

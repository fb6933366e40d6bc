// A minimal client of the Prometheus HTTP API (instant and range queries), with failures that
// say what went wrong (a URL without a scheme, unreachable, HTTP status, a query Prometheus
// rejected) and never echo credentials embedded in the URL.

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

export interface Series {
  labels: Record<string, string>;
  points: { time: number; value: number }[];
}

/** The URL with any user:password replaced, for messages. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.username || u.password) {
      u.username = "***";
      u.password = "";
    }
    return u.toString().replace(/\/$/, "");
  } catch {
    return raw.replace(/\/\/[^/@\s]*@/, "//***@");
  }
}

/**
 * Checks a Prometheus base URL before any query: `127.0.0.1:9090` without a scheme would parse as
 * scheme "127.0.0.1:" and fail obscurely. The error names what to write instead.
 */
export function prometheusBaseUrl(raw: string): URL {
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== "http:" && u.protocol !== "https:")) {
    throw new PrometheusError(`--prometheus expects an http:// or https:// URL, got "${redactUrl(raw)}" (did you mean http://${raw.replace(/^[a-z]+:\/\//, "")}?)`);
  }
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  return u;
}

type Body = { status?: string; error?: string; data?: { resultType?: string; result?: unknown[] } };

async function post(baseUrl: string, api: string, params: Record<string, string>, what: string, timeoutMs: number): Promise<Body> {
  const base = prometheusBaseUrl(baseUrl);
  const url = new URL(api, base);
  // fetch refuses URLs with credentials; send them as Basic auth, as Prometheus' reverse proxies expect.
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  const shown = redactUrl(baseUrl);
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers, body: new URLSearchParams(params), signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new PrometheusError(`Prometheus at ${shown} is unreachable (${reason})`);
  }
  let body: Body;
  try {
    body = (await response.json()) as Body;
  } catch {
    throw new PrometheusError(`Prometheus at ${shown} answered HTTP ${response.status} without JSON`);
  }
  if (!response.ok || body?.status !== "success") throw new PrometheusError(`Prometheus rejected a query (HTTP ${response.status}: ${body?.error ?? "no reason given"}): ${what}`);
  return body;
}

const asLabels = (m: unknown): Record<string, string> => (typeof m === "object" && m !== null ? (m as Record<string, string>) : {});

/** Evaluates `query` at `time` (unix seconds; default now) and returns its vector; NaN values (0/0) are dropped. */
export async function instantQuery(baseUrl: string, query: string, time?: number, timeoutMs = 10_000): Promise<Sample[]> {
  const body = await post(baseUrl, "api/v1/query", { query, ...(time !== undefined ? { time: String(time) } : {}) }, query, timeoutMs);
  if (body.data?.resultType !== "vector" || !Array.isArray(body.data.result)) throw new PrometheusError(`Prometheus answered a ${body.data?.resultType ?? "malformed"} result to: ${query}`);
  const result = body.data.result as { metric?: unknown; value?: unknown }[];
  if (result.some((r) => !Array.isArray(r?.value))) throw new PrometheusError(`Prometheus answered a malformed vector to: ${query}`);
  return result.map((r) => ({ labels: asLabels(r.metric), value: Number((r.value as unknown[])[1]) })).filter((s) => !Number.isNaN(s.value));
}

/** Evaluates `query` every `stepSeconds` from `start` to `end` (unix seconds). */
export async function rangeQuery(baseUrl: string, query: string, start: number, end: number, stepSeconds: number, timeoutMs = 20_000): Promise<Series[]> {
  const body = await post(baseUrl, "api/v1/query_range", { query, start: String(start), end: String(end), step: String(stepSeconds) }, query, timeoutMs);
  if (body.data?.resultType !== "matrix" || !Array.isArray(body.data.result)) throw new PrometheusError(`Prometheus answered a ${body.data?.resultType ?? "malformed"} result to: ${query}`);
  const result = body.data.result as { metric?: unknown; values?: unknown }[];
  if (result.some((r) => !Array.isArray(r?.values))) throw new PrometheusError(`Prometheus answered a malformed matrix to: ${query}`);
  return result.map((r) => ({
    labels: asLabels(r.metric),
    points: (r.values as unknown[][]).map((v) => ({ time: Number(v?.[0]), value: Number(v?.[1]) })).filter((p) => Number.isFinite(p.time) && !Number.isNaN(p.value)),
  }));
}

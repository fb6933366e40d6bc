// Generated stack configs (issue 14, "proof"): a fast-check arbitrary of whole fleets that
// explores the edges of what the schema accepts, and a seeded mutator that breaks fixtures in
// the ways hand-edited or hostile stack files do. Both give `modelship:` keys, unparsed.
import fc from "fast-check";
import { ROUTER_NAMES, type RouterName } from "../../components/routing/capabilities";

type Json = unknown;
type Obj = Record<string, Json>;

// ---- small building blocks ------------------------------------------------------------------

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM_LOWER = LOWER + DIGITS;
const ALNUM = ALNUM_LOWER + LOWER.toUpperCase();

const charsOf = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split("")), minLength, maxLength });

/** A length near one of the limits (one under, at, one over) or anywhere from 1 to just past the largest. */
export const around = (...limits: number[]) =>
  fc.oneof(
    { weight: 18, arbitrary: fc.constantFrom(...[...new Set(limits.flatMap((l) => [l - 1, l]))].filter((n) => n >= 1)) },
    { weight: 1, arbitrary: fc.constantFrom(...limits.map((l) => l + 1)) },
    { weight: 12, arbitrary: fc.integer({ min: 1, max: Math.max(...limits) }) },
  );

/** Mostly `valid`, sometimes `edge` (just past a rule). */
const mostly = <T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<T>, odds = 10) => fc.oneof({ weight: odds, arbitrary: valid }, { weight: 1, arbitrary: edge });

/** A string of exactly `n` characters: `first`, then `middle`, ending with `last`. */
const shaped = (n: number, first: string, middle: string, last: string) =>
  n <= 1 ? charsOf(first, 1, 1) : fc.tuple(charsOf(first, 1, 1), charsOf(middle, n - 2, n - 2), charsOf(last, 1, 1)).map(([a, b, c]) => a + b + c);

/** DNS-1123 labels of a length near the limits (63). */
const dnsLabel = (...limits: number[]) => around(...limits).chain((n) => shaped(n, ALNUM_LOWER, `${ALNUM_LOWER}-`, ALNUM_LOWER));

/** Model names (DNS-1035, at most 45): around 45, sometimes one that no label allows. */
const modelName = fc.oneof(
  { weight: 60, arbitrary: around(1, 45).chain((n) => shaped(n, LOWER, `${ALNUM_LOWER}-`, ALNUM_LOWER)) },
  { weight: 1, arbitrary: fc.constantFrom("Model", "1model", "model-", "m_x", "m.x", "") },
);

const namespace = fc.oneof(
  { weight: 20, arbitrary: dnsLabel(63) },
  // "true" is a DNS label; Pulumi hands top-level config to the program as text.
  { weight: 1, arbitrary: fc.constantFrom("true", "false", "null", "0", "default", "kube-system", "ML", "-ml", "ml-") },
);

/** A DNS subdomain (label.label...) of `total` characters with labels of at most `labelMax`. */
const subdomainOf = (total: number, labelMax: number) =>
  fc.integer({ min: 1, max: Math.max(1, labelMax) }).chain((per) => {
    const sizes: number[] = [];
    let left = total;
    while (left > 0) {
      const s = Math.min(per, left);
      sizes.push(s);
      left -= s + 1;
    }
    // A trailing dot where the last label would be empty: drop it.
    return fc.tuple(...sizes.map((s) => shaped(s, ALNUM_LOWER, `${ALNUM_LOWER}-`, ALNUM_LOWER))).map((labels) => labels.join("."));
  });

/** Label keys: an optional prefix (a DNS subdomain up to 253) and a name around 63. */
const labelKey = fc
  .tuple(
    fc.oneof({ weight: 1, arbitrary: fc.constant("") }, { weight: 2, arbitrary: around(1, 253).chain((n) => subdomainOf(n, 63)).map((p) => `${p}/`) }),
    around(1, 63).chain((n) => shaped(n, ALNUM, `${ALNUM}-_.`, ALNUM)),
  )
  .map(([p, n]) => p + n);

const labelValue = fc.oneof(fc.constant(""), around(1, 63).chain((n) => shaped(n, ALNUM, `${ALNUM}-_.`, ALNUM)), fc.constantFrom("true", "1.0", "a_b"));

const hostname = fc.oneof(
  {
    weight: 24,
    arbitrary: fc
      .tuple(fc.constantFrom("", "*."), fc.constantFrom(".com", ".example.com"), around(16, 63, 253))
      .chain(([w, t, n]) => subdomainOf(Math.max(1, n - w.length - t.length), 63).map((h) => w + h + t)),
  },
  { weight: 4, arbitrary: fc.tuple(around(63).chain((n) => shaped(n, LOWER, `${ALNUM_LOWER}-`, ALNUM_LOWER)), fc.constantFrom(".example.com", ".io")).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.constantFrom("a.b", "xn--bcher-kva.example", "1.2.3.4", "models.example.com", "-bad.example.com", "UPPER.example.com") },
);

const TOKEN = "!#$%&'*+.^_`|~-";
const headerName = fc.oneof(
  { weight: 3, arbitrary: around(1, 256).chain((n) => charsOf(ALNUM + TOKEN, n, n)) },
  { weight: 3, arbitrary: fc.constantFrom("x-modelship-track", "x-canary", "X-Preview") },
  { weight: 1, arbitrary: fc.constantFrom("x-modelship-track", "X-Cohort", ":authority", "host", "Host", "x_under", "~", "'", "`", "content-length") },
);

const octet = fc.integer({ min: 0, max: 999 });
const anyCidr = fc.oneof(
  fc.tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 200 })).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 200 })).map(([ip, p]) => `${ip}/${p}`),
  fc.constantFrom(":::/64", "ffff/129", "1:2:3:4:5:6:7:8:9/64", "10.0.0.0/033", "010.0.0.0/8", "10.0.0.0/+8"),
);
const validCidr = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`) },
  { weight: 1, arbitrary: fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`) },
  { weight: 1, arbitrary: fc.constantFrom("::/0", "fd00::/8", "2001:db8::/32", "::ffff:10.0.0.0/104", "0.0.0.0/0", "255.255.255.255/32") },
);
const cidr = mostly(validCidr, anyCidr, 20);

export const GPU_RESOURCES = ["nvidia.com/gpu", "amd.com/gpu", "memory", "cpu", "kubernetes.io/foo", "requests.example.com/x", "Example.com/GPU", "x"] as const;

/** Requests no larger than 1 (of any unit below Gi), limits at least 8Gi: limits >= requests holds. */
const smallQuantity = fc.constantFrom("0", "1", "500m", "0.5", ".5", "1e-3", "0.1m", "+1", "1Ki", "1k", "1m", "123Mi", "1E-3", 1, 0.25, "1M");
const largeQuantity = fc.constantFrom("8Gi", "1.5Ti", "1e12", "1E12", "1Ei", "100000000000000", "999Pi", 1e10, "9e18");
const quantity = fc.oneof(
  fc.constantFrom("0", "1", "500m", "0.5", ".5", "1.5Gi", "1e3", "1E3", "1Ei", "0.1m", "+1", "1Ki", "128974848", "129e6", "123Mi", "1k", "1m", "100000000000000"),
  fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.constantFrom("", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")).map(([n, s]) => `${n}${s}`),
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.double({ min: 0, max: 1000, noNaN: true }),
);

const tolerationSeconds = fc.constantFrom(undefined, 0, 1, 300, -1, 2 ** 31, 9007199254740991);
/** Every combination of key (absent, empty, set), operator, value, effect and tolerationSeconds. */
const anyToleration = fc
  .record({
    key: fc.constantFrom(undefined, "", "nvidia.com/gpu", "dedicated", "example.com/" + "k".repeat(63), "Bad Key"),
    operator: fc.constantFrom(undefined, "Equal", "Exists"),
    value: fc.constantFrom(undefined, "", "true", "ml", "v".repeat(63), "v".repeat(64), "not valid!"),
    effect: fc.constantFrom(undefined, "NoSchedule", "PreferNoSchedule", "NoExecute"),
    tolerationSeconds,
  })
  .map(dropUndefined);
const taintKey = fc.constantFrom("nvidia.com/gpu", "dedicated", `example.com/${"k".repeat(63)}`, `${"p".repeat(63)}.${"q".repeat(63)}.${"r".repeat(63)}.${"s".repeat(61)}/k`);
const effect = fc.constantFrom(undefined, "NoSchedule", "PreferNoSchedule", "NoExecute");
/** Tolerations as Kubernetes takes them: every valid combination. */
const validToleration = fc
  .oneof(
    fc.record({ key: fc.option(taintKey, { nil: undefined }), operator: fc.constant("Exists"), effect }),
    fc.record({ key: taintKey, operator: fc.constantFrom(undefined, "Equal"), value: fc.constantFrom(undefined, "", "true", "ml", "v".repeat(63)), effect }),
    fc.record({ key: fc.option(taintKey, { nil: undefined }), operator: fc.constant("Exists"), effect: fc.constant("NoExecute"), tolerationSeconds: fc.constantFrom(0, 1, 300, 2 ** 31 - 1) }),
  )
  .map((t) => dropUndefined(t as Obj));
const toleration = mostly(validToleration, anyToleration, 30);

const secretName = mostly(
  fc.oneof(fc.constantFrom("a", "api-token", "A_B.c-d", "-", "_", "..a", "x".repeat(253)), around(1, 253).chain((n) => shaped(n, ALNUM, `${ALNUM}-_.`, ALNUM))),
  fc.constantFrom(".", "..", "x".repeat(254), "x".repeat(300), "a/b", "a b"),
  20,
);

const envName = fc.oneof(fc.constantFrom("LOG_LEVEL", "_X", "a", "A1"), around(1, 64).chain((n) => shaped(n, `${LOWER.toUpperCase()}_`, `${LOWER.toUpperCase()}${DIGITS}_`, `${LOWER.toUpperCase()}${DIGITS}_`)));

const sectionName = mostly(
  fc.oneof(fc.constantFrom("https", "web-1", "a.b", "x".repeat(253)), around(1, 63, 253).chain((n) => subdomainOf(n, 63))),
  fc.oneof(fc.constantFrom("HTTPS", "Http", "under_score", "-x", "x".repeat(254)), around(1, 63).chain((n) => charsOf(`${ALNUM}-.`, n, n))),
  12,
);

function dropUndefined<T extends Obj>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---- a model and a fleet --------------------------------------------------------------------

interface ModelPlan {
  name: string;
  router: RouterName | undefined;
}

function modelArb(plan: ModelPlan, effective: RouterName, secrets: string[], awsBucket: string | undefined): fc.Arbitrary<Obj> {
  const switchOnly = effective === "service";
  const has = (f: string) =>
    ({
      hostnames: ["gateway-api", "istio", "nginx", "alb"],
      previewHostname: ["gateway-api", "istio", "nginx", "alb"],
      abHeader: ["gateway-api", "istio", "nginx", "alb"],
      abCookie: ["istio", "nginx"],
      abStable: ["gateway-api", "istio", "alb"],
      mirror: ["gateway-api", "istio"],
      stickiness: ["gateway-api", "istio", "alb"],
    })[f]!.includes(effective);
  const bucket = awsBucket ?? "m";
  const weights = switchOnly ? fc.constantFrom(0, 100) : fc.integer({ min: 0, max: 100 });
  const route = fc
    .record(
      {
        hostnames: has("hostnames") ? fc.array(hostname, { maxLength: 3 }) : fc.constant(undefined),
        path: fc.constantFrom(undefined, "/", "/v1", "/predict/x", "/" + "p".repeat(300)),
        preview: fc.record(
          { header: headerName, hostname: has("previewHostname") ? hostname : fc.constant(undefined) },
          { requiredKeys: [] },
        ),
        abTest: has("abHeader")
          ? fc.oneof(
              fc.record({ track: has("abStable") ? fc.constantFrom("candidate", "stable") : fc.constant("candidate"), header: fc.record({ name: headerName, value: fc.constantFrom("1", "beta", "v".repeat(300), " spaced ") }) }),
              has("abCookie") ? fc.record({ cookie: fc.record({ name: fc.constantFrom("ab", "x.y", "a".repeat(64), "a".repeat(300)) }) }) : fc.constant(undefined),
              fc.constant(undefined),
            )
          : fc.constant(undefined),
        mirror: has("mirror") ? fc.option(fc.record({ percent: fc.integer({ min: 1, max: 100 }) })) : fc.constant(undefined),
        stickiness: has("stickiness")
          ? fc.option(
              fc.record(
                { cookie: effective === "alb" ? fc.constant(undefined) : fc.constantFrom("track", "a.b-c_d", "x".repeat(64)), durationSeconds: fc.constantFrom(1, 3600, 604800) },
                { requiredKeys: [] },
              ),
            )
          : fc.constant(undefined),
      },
      { requiredKeys: [] },
    )
    .map((r) => dropUndefined({ ...r, mirror: r.mirror ?? undefined, stickiness: r.stickiness ?? undefined, preview: r.preview && dropUndefined(r.preview) }));

  const envValue = fc.oneof(
    fc.constantFrom("", "x", "multi\nline", "v".repeat(1000)),
    secrets.length > 0 ? fc.constantFrom(...secrets).map((s) => ({ secret: s })) : fc.constant("plain"),
    fc.record({ secretKeyRef: fc.record({ name: dnsLabel(63), key: mostly(fc.constantFrom("token", "k".repeat(253), "ok.key", "..x", "A_b-c"), fc.constantFrom(".", "..", "a/b", "k".repeat(254)), 20) }) }),
  );

  return fc
    .record({
      weight: weights,
      stable: fc.constantFrom("blue", "green"),
      retireOther: fc.boolean(),
      versions: fc.tuple(labelValue, labelValue),
      port: fc.constantFrom(undefined, 1, 80, 8080, 65535),
      route,
      resources: fc.record(
        {
          requests: mostly(fc.record({ cpu: smallQuantity, memory: smallQuantity }, { requiredKeys: [] }), fc.record({ cpu: quantity, memory: quantity }, { requiredKeys: [] }), 12),
          limits: mostly(fc.record({ cpu: largeQuantity, memory: largeQuantity }, { requiredKeys: [] }), fc.record({ cpu: quantity, memory: quantity }, { requiredKeys: [] }), 12),
          gpu: fc.constantFrom(0, 1, 2, 16),
          gpuResource: mostly(fc.constantFrom("nvidia.com/gpu", "amd.com/gpu"), fc.constantFrom(...GPU_RESOURCES), 12),
        },
        { requiredKeys: [] },
      ),
      env: fc.dictionary(envName, envValue, { maxKeys: 4 }),
      nodeSelector: fc.dictionary(labelKey, labelValue, { maxKeys: 3 }),
      tolerations: fc.array(toleration, { maxLength: 4 }),
      thresholds: fc.option(fc.dictionary(fc.constantFrom("accuracy", "f1", "auc"), fc.double({ min: 0, max: 1, noNaN: true }), { maxKeys: 2 })),
      metrics: fc.option(fc.dictionary(fc.constantFrom("accuracy", "f1", "auc"), fc.double({ min: 0, max: 1, noNaN: true }), { maxKeys: 3 })),
      monitoring: fc.oneof(
        fc.constant(undefined),
        fc.record({ preset: fc.constantFrom("modelship", "triton", "kserve", "torchserve", "bentoml", "mlserver", "rayserve") }),
        // vLLM's first latency bucket is 0.3 s: its median threshold must not sit inside it.
        fc.constant({ preset: "vllm", alerts: { latencyP50Seconds: 0.5 } }),
        fc.record({
          preset: fc.constant("custom"),
          custom: fc.record({
            requests: fc.constant([{ metric: "http_requests_total", matchers: 'code!~"5.."', labels: ["code", "method"] }]),
            errors: fc.constant([{ metric: "http_requests_total", matchers: 'code=~"5.."' }]),
            // Buckets in the histogram's unit, holding the default SLO threshold (500 ms).
            latency: fc.constantFrom(
              { histogram: "http_request_duration_seconds", unit: "seconds", buckets: [0.1, 0.25, 0.5, 1, 2.5, 5] },
              { histogram: "http_request_duration_seconds", unit: "milliseconds", buckets: [100, 250, 500, 1000, 2500, 5000] },
              { histogram: "http_request_duration_seconds", unit: "microseconds", buckets: [100000, 250000, 500000, 1000000, 2500000, 5000000] },
            ),
          }),
          scrape: fc.record({ kind: fc.constantFrom("ServiceMonitor", "PodMonitor"), port: fc.constantFrom(9090, 8080, 1, 65535) }),
        }),
      ),
      autoscaling: fc.constantFrom({ minReplicas: 1, maxReplicas: 1 }, { minReplicas: 2, maxReplicas: 10 }, { minReplicas: 1000, maxReplicas: 1000 }, { minReplicas: 1, maxReplicas: 1000 }),
    })
    .map((g) => {
      const other = g.stable === "blue" ? "green" : "blue";
      const candidateWeight = g.weight;
      const retired = g.retireOther && candidateWeight === 0;
      const track = (version: string, weight: number, extra: Obj = {}) => ({
        version: version || "1",
        image: `registry.example.com/ml/${plan.name || "m"}:${(version || "1").replace(/[^\w.-]/g, "").slice(0, 100) || "1"}`,
        modelUri: `s3://${bucket}/${plan.name}/${version || "1"}`,
        weight,
        ...extra,
      });
      const m: Obj = {
        name: plan.name,
        ...(plan.router ? { router: plan.router } : {}),
        ...(g.port !== undefined ? { port: g.port } : {}),
        route: g.route,
        stable: g.stable,
        tracks: {
          [g.stable]: track(g.versions[0], 100 - candidateWeight, g.metrics ? { metrics: g.metrics } : {}),
          [other]: track(g.versions[1] === g.versions[0] ? `${g.versions[1]}x`.slice(-63) : g.versions[1], candidateWeight, {
            ...(retired ? { retired: true } : {}),
            ...(g.metrics ? { metrics: g.metrics } : {}),
            ...(g.thresholds ? { qualityOverride: { reason: "generated", by: "fast-check" } } : {}),
          }),
        },
        resources: g.resources,
        env: g.env,
        nodeSelector: g.nodeSelector,
        tolerations: g.tolerations,
        ...(g.thresholds ? { thresholds: g.thresholds } : {}),
        ...(g.monitoring ? { monitoring: g.monitoring } : {}),
        autoscaling: g.autoscaling,
        ...(effective === "replicas" ? { idle: "cold" } : {}),
      };
      return m;
    });
}

/** Fleet configs (1..3 models, any router mix) at the edges of what the schema accepts. */
export const fleetArb: fc.Arbitrary<Obj> = fc
  .record({
    environment: fc.constantFrom("development", "staging"),
    namespace,
    router: fc.constantFrom(...ROUTER_NAMES),
    names: fc.uniqueArray(modelName, { minLength: 1, maxLength: 3 }),
    overrides: fc.array(fc.option(fc.constantFrom(...ROUTER_NAMES), { nil: undefined }), { minLength: 3, maxLength: 3 }),
    sectionName: fc.option(sectionName, { nil: undefined }),
    vpcCidrs: fc.array(cidr, { minLength: 1, maxLength: 3 }),
    istioGateways: fc.constantFrom([], ["istio-system/gw"], ["istio-system/gw"], ["istio-system/gw"]),
    allowFrom: fc.array(
      fc.oneof(fc.record({ namespace: dnsLabel(63) }), fc.record({ podLabels: fc.dictionary(labelKey, labelValue, { minKeys: 1, maxKeys: 2 }) }), fc.record({ namespace: dnsLabel(63), podLabels: fc.dictionary(labelKey, labelValue, { minKeys: 1, maxKeys: 2 }) })),
      { maxLength: 3 },
    ),
    secrets: fc.dictionary(secretName, fc.constantFrom("s3cr3t", "", "x".repeat(500), "line\nbreak"), { maxKeys: 3 }),
    aws: fc.boolean(),
    monitoring: fc.boolean(),
  })
  .chain((f) => {
    const secrets = Object.keys(f.secrets);
    const bucket = f.aws ? "acme-models" : undefined;
    const plans: ModelPlan[] = f.names.map((name, i) => ({ name, router: f.overrides[i] }));
    return fc.tuple(...plans.map((p) => modelArb(p, p.router ?? f.router, secrets, bucket))).map((models) => {
      const used = new Set<RouterName>(plans.map((p) => p.router ?? f.router));
      const routers: Obj = {};
      if (used.has("gateway-api")) routers["gateway-api"] = { gateway: { name: "gw", namespace: "gateway-system", ...(f.sectionName !== undefined ? { sectionName: f.sectionName } : {}) } };
      if (used.has("istio")) routers.istio = { gateways: f.istioGateways };
      if (used.has("alb")) routers.alb = { vpcCidrs: f.vpcCidrs };
      const fleet: Obj = {
        environment: f.environment,
        namespace: f.namespace,
        router: f.router,
        routers,
        networkPolicy: { allowFrom: f.allowFrom },
        monitoring: { enabled: f.monitoring },
        secrets: f.secrets,
        models,
      };
      if (f.aws) {
        fleet.aws = {
          enabled: true,
          region: "eu-west-1",
          oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
          oidcProviderUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
          artifactsBucket: bucket,
        };
      }
      return fleet;
    });
  });

// ---- a seeded mutator -------------------------------------------------------------------------

// The seeded PRNG (mulberry32) is the reference server's: one copy, the same streams.
export { prng } from "../../components/image/reference-server/server";

type Path = (string | number)[];

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const intIn = (rng: () => number, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

/** Every path to a value inside `v` (the root excluded), at most `limit` of them. */
function paths(v: Json, at: Path = [], out: Path[] = [], limit = 5000): Path[] {
  if (out.length >= limit) return out;
  if (Array.isArray(v)) {
    // Long arrays (a previous mutation's) are sampled, not walked.
    const n = Math.min(v.length, 20);
    for (let i = 0; i < n; i++) {
      out.push([...at, i]);
      paths(v[i], [...at, i], out, limit);
    }
  } else if (typeof v === "object" && v !== null) {
    for (const k of Object.keys(v)) {
      out.push([...at, k]);
      paths((v as Obj)[k], [...at, k], out, limit);
    }
  }
  return out;
}

const containers = (v: Json): Path[] => [[], ...paths(v)].filter((p) => {
  const x = get(v, p);
  return typeof x === "object" && x !== null;
});

function get(v: Json, p: Path): Json {
  return p.reduce<Json>((x, k) => (x as Record<string | number, Json>)?.[k], v);
}

function set(v: Json, p: Path, value: Json): void {
  const parent = get(v, p.slice(0, -1)) as Record<string | number, Json>;
  Object.defineProperty(parent, p[p.length - 1], { value, enumerable: true, writable: true, configurable: true });
}

function remove(v: Json, p: Path): void {
  const parent = get(v, p.slice(0, -1)) as Record<string | number, Json>;
  if (Array.isArray(parent)) parent.splice(p[p.length - 1] as number, 1);
  else delete parent[p[p.length - 1]];
}

const CONTROL = ["\n", "\r\n", "\t", "\u0000", "\u001b[31m", "\u007f", "\u0085", "\u2028", "\u2029", "\ufeff", "\r"];
const UNKNOWN_KEYS = ["wieght", "replicas", "image", "Name", "enabled", "x", "", " ", "constructor", "toString", "hasOwnProperty", "0", "modelship:router", "a.b", "$ref"];

function randomString(rng: () => number): string {
  const kind = intIn(rng, 0, 5);
  if (kind === 0) return "";
  if (kind === 1) return "x".repeat(pick(rng, [62, 63, 64, 253, 254, 256, 257, 4096, 4097, 65_536, 100_000]));
  if (kind === 2) return `a${pick(rng, CONTROL)}b`;
  if (kind === 3) return pick(rng, ["true", "null", "~", "-1", "0x10", "1e400", "NaN", "💥", "ümlaut", "../..", "${x}", "*alias", "%", "'\"", "<script>"]);
  if (kind === 4) return Array.from({ length: intIn(rng, 1, 80) }, () => String.fromCharCode(intIn(rng, 0, 0x2fff))).join("");
  return `${pick(rng, ["blue", "green", "stable", "candidate", "service", "istio", "alb", "nginx", "Exists", "Equal", "NoSchedule", "custom"])}`;
}

function randomNumber(rng: () => number): number {
  return pick(rng, [-1, -0, 0, 0.5, 1, 100, 101, 65536, -2147483649, 2 ** 31, 2 ** 53, 1e308, -1e308, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, 1e-320]);
}

function otherType(rng: () => number, old: Json): Json {
  const options: (() => Json)[] = [
    () => randomString(rng),
    () => randomNumber(rng),
    () => rng() < 0.5,
    () => null,
    () => [],
    () => ({}),
    () => [old],
    () => ({ value: old }),
    () => String(old),
  ];
  return pick(rng, options)();
}

/** `v` wrapped `depth` times in arrays or objects. */
function nest(rng: () => number, v: Json, depth: number): Json {
  let x = v;
  const asArray = rng() < 0.5;
  for (let i = 0; i < depth; i++) x = asArray ? [x] : { n: x };
  return x;
}

export const MUTATIONS = [
  "retype",
  "empty-string",
  "huge-string",
  "odd-number",
  "delete",
  "unknown-key",
  "duplicate-model",
  "deep-nesting",
  "huge-array",
  "control-chars",
  "proto-key",
  "boundary-string",
  "swap-values",
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** Applies one mutation at a random key path; returns what it did (for the report). */
function mutateOnce(cfg: Obj, rng: () => number): string {
  const kind = pick(rng, MUTATIONS);
  const all = paths(cfg);
  const leaves = all.filter((p) => {
    const x = get(cfg, p);
    return typeof x !== "object" || x === null;
  });
  const strings = all.filter((p) => typeof get(cfg, p) === "string");
  const where = (ps: Path[]) => (ps.length > 0 ? pick(rng, ps) : pick(rng, all));
  const show = (p: Path) => p.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k).slice(0, 40)}`)).join("");
  switch (kind) {
    case "retype": {
      const p = where(all);
      set(cfg, p, otherType(rng, get(cfg, p)));
      return `${kind} ${show(p)}`;
    }
    case "empty-string": {
      const p = where(leaves);
      set(cfg, p, "");
      return `${kind} ${show(p)}`;
    }
    case "huge-string": {
      const p = where(strings);
      const n = intIn(rng, 1000, 100_000);
      set(cfg, p, `${String(get(cfg, p))}${"x".repeat(n)}`);
      return `${kind} ${show(p)} +${n}`;
    }
    case "odd-number": {
      const p = where(all.filter((q) => typeof get(cfg, q) === "number").concat(leaves.slice(0, 3)));
      const n = randomNumber(rng);
      set(cfg, p, n);
      return `${kind} ${show(p)} = ${n}`;
    }
    case "delete": {
      const p = where(all);
      remove(cfg, p);
      return `${kind} ${show(p)}`;
    }
    case "unknown-key": {
      const c = pick(rng, containers(cfg));
      const target = get(cfg, c) as Obj;
      const key = rng() < 0.5 ? pick(rng, UNKNOWN_KEYS) : randomString(rng).slice(0, 300);
      if (Array.isArray(target)) target.push({ [key]: 1 });
      else set(cfg, [...c, key], otherType(rng, 1));
      return `${kind} ${show(c)} ${JSON.stringify(key.slice(0, 40))}`;
    }
    case "duplicate-model": {
      const models = cfg.models;
      if (!Array.isArray(models) || models.length === 0) return `${kind} (no models)`;
      const copy = structuredClone(models[intIn(rng, 0, models.length - 1)]);
      const rename = rng();
      if (rename < 0.3 && copy && typeof copy === "object" && typeof (copy as Obj).name === "string") {
        (copy as Obj).name = `${(copy as Obj).name}${pick(rng, ["-blue", "-green", "-preview", "-canary", "-metrics", "-route-weights", "-secrets", "2", "-x"])}`;
      }
      models.push(copy);
      return `${kind} (${models.length} models)`;
    }
    case "deep-nesting": {
      const p = where(all);
      const depth = pick(rng, [2, 10, 63, 64, 65, 100, 500]);
      set(cfg, p, nest(rng, get(cfg, p), depth));
      return `${kind} ${show(p)} x${depth}`;
    }
    case "huge-array": {
      const arrays = all.filter((q) => Array.isArray(get(cfg, q)));
      const p = where(arrays);
      const x = get(cfg, p);
      const item = Array.isArray(x) && x.length > 0 ? x[0] : x;
      const n = pick(rng, [1000, 10_000]);
      set(cfg, p, Array.from({ length: n }, () => structuredClone(item)));
      return `${kind} ${show(p)} x${n}`;
    }
    case "control-chars": {
      const c = pick(rng, CONTROL);
      if (rng() < 0.7 && strings.length > 0) {
        const p = pick(rng, strings);
        const s = String(get(cfg, p));
        const at = intIn(rng, 0, s.length);
        set(cfg, p, s.slice(0, at) + c + s.slice(at));
        return `${kind} ${show(p)} ${JSON.stringify(c)}`;
      }
      const parent = pick(rng, containers(cfg).filter((q) => !Array.isArray(get(cfg, q))));
      set(cfg, [...parent, `key${c}forged: modelship:x`], "v");
      return `${kind} key under ${show(parent)}`;
    }
    case "proto-key": {
      const parent = pick(rng, containers(cfg).filter((q) => !Array.isArray(get(cfg, q))));
      set(cfg, [...parent, "__proto__"], pick(rng, [{ polluted: true }, 1, "x", null, [1]]));
      return `${kind} under ${show(parent)}`;
    }
    case "boundary-string": {
      const p = where(strings);
      const s = String(get(cfg, p)) || "a";
      const n = pick(rng, [45, 46, 62, 63, 64, 253, 254, 255, 256, 257, 4096, 4097]);
      set(cfg, p, s.repeat(Math.ceil(n / s.length)).slice(0, n));
      return `${kind} ${show(p)} ${n}`;
    }
    case "swap-values": {
      const a = where(all);
      const b = where(all);
      set(cfg, a, structuredClone(get(cfg, b)));
      return `${kind} ${show(a)} <- ${show(b)}`;
    }
  }
}

/**
 * A fixture with 1..3 random mutations at random key paths. `cfg` is not changed; the copy and
 * the list of what was done are returned.
 */
export function mutate(cfg: Obj, rng: () => number): { config: Obj; mutations: string[] } {
  const config = structuredClone(cfg);
  const n = intIn(rng, 1, 3);
  const mutations: string[] = [];
  for (let i = 0; i < n; i++) mutations.push(mutateOnce(config, rng));
  return { config, mutations };
}

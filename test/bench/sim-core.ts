// Shared pieces of the release-gate simulator (test/bench/gate-sim.ts): a seedable PRNG, the
// simulated request stream, per-track counts a rule can query over any window (what Prometheus
// would answer, without rate() extrapolation), histogram_quantile, and the Rule interface every
// compared rule implements. Pure and deterministic: the same seed gives the same requests.
import { LATENCY_BUCKETS } from "../../components/image/reference-server/server";

/** Seconds between two looks of the gate, and the width of a simulation bin (the scrape interval). */
export const INTERVAL = 30;
/** The model's latency histogram boundaries in seconds (the reference server's, the modelship preset's). */
export const BOUNDS: readonly number[] = LATENCY_BUCKETS;
/** Fields of a window count: requests, errors, then one count per latency bucket (the finite boundaries, then +Inf). */
export const REQ = 0;
export const ERR = 1;
export const BUCKET0 = 2;
export const FIELDS = BUCKET0 + BOUNDS.length + 1;

export const CANDIDATE = 0;
export const STABLE = 1;
export type Track = typeof CANDIDATE | typeof STABLE;

// ---- randomness ------------------------------------------------------------------------------

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const split = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    [this.a, this.b, this.c, this.d] = [split(), split(), split(), split()];
    for (let i = 0; i < 12; i++) this.next();
  }
  private next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  /** Uniform on (0, 1): never 0, so -log(u) is finite. */
  uniform(): number {
    return (this.next() + 0.5) / 4294967296;
  }
}

/** A stable 32-bit hash of a string (FNV-1a), to derive per-scenario seeds. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

// ---- the traffic and what each track does with it ---------------------------------------------

/** A track's behaviour: independent errors at a fixed rate, lognormal latency (failed requests included). */
export interface TrackModel {
  errorRate: number;
  /** Median latency, seconds. */
  median: number;
  /** Standard deviation of log-latency. */
  sigma: number;
}

export interface Traffic {
  /** Mean requests per second, both tracks together. */
  rate: number;
  /**
   * Bursty: a Markov-modulated Poisson process, switched per 30 s bin between bursts at 4x the
   * mean rate (mean sojourn 2 min) and lulls at 0.25x (mean sojourn 8 min); 20% of the time in
   * bursts, so the long-run mean is `rate`.
   */
  bursty?: boolean;
}

const BURST = { high: 4, low: 0.25, meanHighBins: 4, meanLowBins: 16 };

/** Standard normal CDF (erfc by the Numerical Recipes Chebyshev fit, relative error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return 0.5 * (x >= 0 ? y : 2 - y);
}

/** z of the standard normal's 99th percentile. */
export const Z99 = 2.3263478740408408;

/** True p99 of a track's latency, seconds. */
export const trueP99 = (m: TrackModel) => m.median * Math.exp(Z99 * m.sigma);

/** P(latency <= bound) for each finite boundary, then 1 (+Inf). */
export function bucketCdf(m: TrackModel): Float64Array {
  const f = new Float64Array(BOUNDS.length + 1);
  BOUNDS.forEach((b, i) => (f[i] = normalCdf((Math.log(b) - Math.log(m.median)) / m.sigma)));
  f[BOUNDS.length] = 1;
  return f;
}

function bucketOf(u: number, cdf: Float64Array): number {
  let j = 0;
  while (u > cdf[j] && j < cdf.length - 1) j++;
  return j;
}

/**
 * The request stream of one simulated rollout, generated one 30 s bin at a time. Every request
 * carries the random numbers that decide its route (compared with the rule's weight) and what
 * it would get on either track, so every rule sees the same requests: only the split differs.
 */
export class Stream {
  private readonly rng: Prng;
  private readonly cdf: [Float64Array, Float64Array];
  private burst: boolean;
  /** Requests in the current bin: arrival time, route draw, error and bucket on each track. */
  n = 0;
  time = new Float64Array(1024);
  route = new Float64Array(1024);
  err: [Uint8Array, Uint8Array] = [new Uint8Array(1024), new Uint8Array(1024)];
  bucket: [Uint8Array, Uint8Array] = [new Uint8Array(1024), new Uint8Array(1024)];

  constructor(
    seed: number,
    private readonly traffic: Traffic,
    private readonly tracks: [TrackModel, TrackModel],
  ) {
    this.rng = new Prng(seed);
    this.cdf = [bucketCdf(tracks[CANDIDATE]), bucketCdf(tracks[STABLE])];
    const pHigh = BURST.meanHighBins / (BURST.meanHighBins + BURST.meanLowBins);
    this.burst = traffic.bursty === true && this.rng.uniform() < pHigh;
  }

  private grow(): void {
    const size = this.time.length * 2;
    const f = (a: Float64Array) => Float64Array.from({ length: size }, (_, i) => a[i] ?? 0);
    const u = (a: Uint8Array) => Uint8Array.from({ length: size }, (_, i) => a[i] ?? 0);
    this.time = f(this.time);
    this.route = f(this.route);
    this.err = [u(this.err[0]), u(this.err[1])];
    this.bucket = [u(this.bucket[0]), u(this.bucket[1])];
  }

  /** Generates the requests arriving in (k·30, (k+1)·30]; returns how many. Call with k = 0, 1, 2, … */
  bin(k: number): number {
    let rate = this.traffic.rate;
    if (this.traffic.bursty) {
      if (k > 0) {
        const leave = 1 / (this.burst ? BURST.meanHighBins : BURST.meanLowBins);
        if (this.rng.uniform() < leave) this.burst = !this.burst;
      }
      rate *= this.burst ? BURST.high : BURST.low;
    }
    const start = k * INTERVAL;
    const end = start + INTERVAL;
    let t = start;
    let n = 0;
    // Poisson arrivals at a constant rate within the bin (memoryless, so restarting at its start is exact).
    for (let guard = 0; guard < 1_000_000; guard++) {
      t += -Math.log(this.rng.uniform()) / rate;
      if (t > end) break;
      if (n === this.time.length) this.grow();
      this.time[n] = t;
      this.route[n] = this.rng.uniform();
      const eu = this.rng.uniform();
      const lu = this.rng.uniform();
      for (const track of [CANDIDATE, STABLE] as const) {
        this.err[track][n] = eu < this.tracks[track].errorRate ? 1 : 0;
        // The same draw on both tracks: a slower candidate is slower on the very same requests.
        this.bucket[track][n] = bucketOf(lu, this.cdf[track]);
      }
      n++;
    }
    this.n = n;
    return n;
  }
}

// ---- counts a rule queries --------------------------------------------------------------------

/** What a rule may ask about the past: counts of one track over a window, like Prometheus' increase(). */
export interface WindowCounts {
  /** Requests, errors and latency bucket counts of `track` in (from, to]; `out` is returned. */
  window(track: Track, from: number, to: number, out?: Float64Array): Float64Array;
  /** Requests of `track` in (from, to] (the same as window(…)[REQ], cheaper). */
  requests(track: Track, from: number, to: number): number;
  /** Requests `track` has served up to `to` (does its series exist yet?). */
  served(track: Track, to: number): number;
}

/** Counts per 30 s bin, cumulative, for the lockstep simulation: windows must fall on the bin grid. */
export class BinCounts implements WindowCounts {
  private readonly cum: [Float64Array, Float64Array];
  bins = 0;
  constructor(readonly maxBins: number) {
    this.cum = [new Float64Array((maxBins + 1) * FIELDS), new Float64Array((maxBins + 1) * FIELDS)];
  }
  /** Adds the stream's current bin, routed by `weight` (percent to the candidate). */
  addBin(s: Stream, weight: number): void {
    if (this.bins >= this.maxBins) throw new Error(`more than ${this.maxBins} bins`);
    const from = this.bins * FIELDS;
    const to = from + FIELDS;
    for (const c of this.cum) c.copyWithin(to, from, to);
    const threshold = weight / 100;
    for (let i = 0; i < s.n; i++) {
      const track = s.route[i] < threshold ? CANDIDATE : STABLE;
      const c = this.cum[track];
      c[to + REQ] += 1;
      c[to + ERR] += s.err[track][i];
      c[to + BUCKET0 + s.bucket[track][i]] += 1;
    }
    this.bins++;
  }
  private index(t: number): number {
    const k = t / INTERVAL;
    if (!Number.isInteger(k)) throw new Error(`window edge ${t}s is not on the ${INTERVAL}s grid`);
    return Math.min(Math.max(0, k), this.bins);
  }
  window(track: Track, from: number, to: number, out = new Float64Array(FIELDS)): Float64Array {
    const [a, b] = [this.index(from) * FIELDS, this.index(to) * FIELDS];
    const c = this.cum[track];
    for (let f = 0; f < FIELDS; f++) out[f] = c[b + f] - c[a + f];
    return out;
  }
  requests(track: Track, from: number, to: number): number {
    const c = this.cum[track];
    return c[this.index(to) * FIELDS + REQ] - c[this.index(from) * FIELDS + REQ];
  }
  served(track: Track, to: number): number {
    return this.cum[track][this.index(to) * FIELDS + REQ];
  }
}

/** Counts per request, for looks at arbitrary times (the look-after-every-request experiment). */
export class EventCounts implements WindowCounts {
  private readonly times: [number[], number[]] = [[], []];
  private readonly cum: [number[][], number[][]] = [[new Array<number>(FIELDS).fill(0)], [new Array<number>(FIELDS).fill(0)]];
  add(track: Track, time: number, err: number, bucket: number): void {
    const prev = this.cum[track][this.cum[track].length - 1];
    const next = prev.slice();
    next[REQ] += 1;
    next[ERR] += err;
    next[BUCKET0 + bucket] += 1;
    this.times[track].push(time);
    this.cum[track].push(next);
  }
  /** Requests of `track` arrived at or before t. */
  private count(track: Track, t: number): number {
    const ts = this.times[track];
    let [lo, hi] = [0, ts.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  window(track: Track, from: number, to: number, out = new Float64Array(FIELDS)): Float64Array {
    const [a, b] = [this.cum[track][this.count(track, from)], this.cum[track][this.count(track, to)]];
    for (let f = 0; f < FIELDS; f++) out[f] = b[f] - a[f];
    return out;
  }
  requests(track: Track, from: number, to: number): number {
    return this.count(track, to) - this.count(track, from);
  }
  served(track: Track, to: number): number {
    return this.count(track, to);
  }
}

// ---- PromQL on window counts -----------------------------------------------------------------

/** Requests at or below bucket boundary `bound` (seconds) in a window count. */
export function within(w: Float64Array, bound: number): number {
  // A boundary as the gate computes it (e.g. thresholdMs / 1000) may differ in the last bit.
  const i = BOUNDS.findIndex((b) => Math.abs(b - bound) <= 1e-9 * b);
  if (i < 0) throw new Error(`${bound}s is not a bucket boundary`);
  let n = 0;
  for (let j = 0; j <= i; j++) n += w[BUCKET0 + j];
  return n;
}

/**
 * histogram_quantile(q, …) over a window count, as Prometheus computes it
 * (promql/quantile.go, bucketQuantile): NaN without observations; the upper bound of the last
 * finite bucket when the rank falls in +Inf; otherwise linear interpolation within the bucket
 * holding the rank, the first bucket starting at 0.
 */
export function histogramQuantile(q: number, w: Float64Array): number {
  const total = w[REQ] > 0 ? bucketsTotal(w) : 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i <= BOUNDS.length; i++) {
    const count = w[BUCKET0 + i];
    if (below + count >= rank) {
      if (i === BOUNDS.length) return BOUNDS[BOUNDS.length - 1];
      const start = i === 0 ? 0 : BOUNDS[i - 1];
      return start + (BOUNDS[i] - start) * ((rank - below) / count);
    }
    below += count;
  }
  return BOUNDS[BOUNDS.length - 1];
}

function bucketsTotal(w: Float64Array): number {
  let n = 0;
  for (let j = 0; j <= BOUNDS.length; j++) n += w[BUCKET0 + j];
  return n;
}

// ---- rules -----------------------------------------------------------------------------------

export interface Outcome {
  kind: "promoted" | "rollback";
  /** Simulation time of the decision, seconds since the release. */
  at: number;
}

/** A release rule: it sets the candidate's weight and, eventually, promotes to 100% or rolls back. */
export interface Rule {
  readonly name: string;
  /** The candidate's current weight, percent. */
  weight: number;
  outcome?: Outcome;
  /**
   * Called at every multiple of INTERVAL, once the traffic up to t is counted; a rule that looks
   * less often ignores the other calls. Decisions take effect on the traffic after t (a rule
   * that asks asynchronously, like modelship's gate, returns a promise the run awaits).
   */
  look(t: number, counts: WindowCounts): void | Promise<void>;
}

/** When every rule's first step happens: the candidate's pods are ready 60 s after the release. */
export const READY_AT = 60;

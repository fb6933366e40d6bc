// The gate's evidence from Prometheus: every query comes from the metrics contract, with the
// track's version as an extra matcher (the `version` label the scrape's relabeling sets), so
// leftover pods of a track's previous version never speak for it.
import type { ModelConfig } from "../../components/config/schema";
import { BY_TRACK, contractOf, type MetricsContract } from "../../components/monitoring";
import { assessStep, type Assessment, type EvidenceSource, type TrackRef } from "./assess";
import type { TrackCounts } from "./counts";
import { instantQuery, rangeQuery } from "./prometheus";

const q = JSON.stringify;
const matcher = (t: TrackRef) => `track=${q(t.track)},version=${q(t.version)}`;

/** One number per query: the sum over the series it returns (0 when it returns none). */
async function total(url: string, query: string | undefined, at: number): Promise<number | undefined> {
  if (!query) return undefined;
  const samples = await instantQuery(url, query, at);
  return samples.reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0);
}

export function prometheusSource(url: string, contract: MetricsContract): EvidenceSource {
  return {
    async requestSeries(t, start, end, step, windowSeconds) {
      const series = await rangeQuery(url, contract.requestCount(`${windowSeconds}s`, BY_TRACK, matcher(t))!, start, end, step);
      const byTime = new Map<number, number>();
      for (const s of series) for (const p of s.points) byTime.set(p.time, (byTime.get(p.time) ?? 0) + p.value);
      return [...byTime].map(([time, value]) => ({ time, value }));
    },
    async counts(t, windowSeconds, at, slowSeconds, sloSeconds): Promise<TrackCounts> {
      const [w, sel] = [`${windowSeconds}s`, matcher(t)];
      const [requests, errors, observed, fast, withinSlo] = await Promise.all([
        total(url, contract.requestCount(w, BY_TRACK, sel), at),
        total(url, contract.errorCount(w, BY_TRACK, sel), at),
        total(url, contract.latencyObserved(w, BY_TRACK, sel), at),
        slowSeconds === undefined ? undefined : total(url, contract.latencyWithin(slowSeconds, w, BY_TRACK, sel), at),
        sloSeconds === undefined ? undefined : total(url, contract.latencyWithin(sloSeconds, w, BY_TRACK, sel), at),
      ]);
      return { requests, errors, observed, fast, withinSlo };
    },
    async latencyBounds(t, at) {
      const query = contract.latencyBuckets(matcher(t));
      const unit = contract.latencyUnitSeconds;
      if (!query || unit === undefined) return [];
      const les = (await instantQuery(url, query, at)).map((s) => Number(s.labels.le)).filter((x) => Number.isFinite(x));
      return [...new Set(les)].sort((a, b) => a - b).map((x) => +(x * unit).toPrecision(12));
    },
    async latencyQuantile(t, quantile, windowSeconds, at) {
      const query = contract.latencyQuantile(quantile, `${windowSeconds}s`, BY_TRACK, matcher(t));
      if (!query) return undefined;
      const samples = await instantQuery(url, query, at);
      return samples.length > 0 && Number.isFinite(samples[0].value) ? samples[0].value : undefined;
    },
    async ready(t, at) {
      const loadedQuery = contract.loaded(matcher(t));
      const [up, loaded] = await Promise.all([total(url, contract.targetsUp(matcher(t)), at), loadedQuery ? instantQuery(url, loadedQuery, at) : Promise.resolve(undefined)]);
      return (up ?? 0) >= 1 && (loaded === undefined || (loaded.length > 0 && loaded.every((s) => s.value >= 1)));
    },
  };
}

/** Assesses a model's current step against the Prometheus at `url`. */
export function assessModel(url: string, model: ModelConfig, namespace: string, now: number): Promise<Assessment> {
  return assessStep(prometheusSource(url, contractOf(model, namespace)), model, now);
}

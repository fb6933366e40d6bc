// Detection time of the SLO burn-rate alerts: minutes from the onset of a steady burn until
// each window pair fires, measured with promtool (the table in BENCHMARKS.md).
import { BURN_WINDOWS } from "../../components/monitoring/slo";
import { minutesToFire } from "../monitoring/burn";

export const BURNS = [2, 5, 14.4, 100] as const;

export interface DetectionRow {
  window: string;
  threshold: number;
  minutes: Record<string, number | undefined>;
}

/** Minutes until `burn` crosses the window pair's threshold, from the windows alone (plus the hold). */
export function expectedMinutes(burn: number, w: (typeof BURN_WINDOWS)[number]): number | undefined {
  if (burn <= w.burn) return undefined;
  const minutes = (d: string) => Number(d.slice(0, -1)) * { m: 1, h: 60, d: 1440 }[d.slice(-1) as "m" | "h" | "d"];
  return Math.max(minutes(w.long), minutes(w.short)) === 0 ? 0 : (minutes(w.long) * w.burn) / burn + minutes(w.for);
}

export function detectionTable(log: (line: string) => void = () => undefined): DetectionRow[] {
  return BURN_WINDOWS.map((w) => {
    const long = w.long === "3d" || w.long === "1d";
    const horizon = (expectedMinutes(Math.max(...BURNS.filter((b) => b > w.burn)), w) ?? 60) * 1.5 + 60;
    const minutes: Record<string, number | undefined> = {};
    for (const burn of BURNS) {
      const expected = expectedMinutes(burn, w);
      minutes[String(burn)] = minutesToFire("availability", burn, w, Math.ceil(expected === undefined ? horizon : expected * 1.2 + 30), long ? 5 : 1);
      log(`${w.long}/${w.short} at ${burn}x: ${minutes[String(burn)] ?? "never"} (expected ${expected?.toFixed(0) ?? "never"})`);
    }
    return { window: `${w.burn}x over ${w.long} and ${w.short} (${w.severity}, for ${w.for})`, threshold: w.burn, minutes };
  });
}

// Standalone: `npx ts-node test/bench/detection.ts` prints just this table.
if (require.main === module) {
  const start = Date.now();
  const rows = detectionTable((l) => console.error(l));
  console.log(`| alert (burn threshold, windows) | ${BURNS.map((b) => `${b}x burn`).join(" | ")} |`);
  console.log(`|---|${BURNS.map(() => "---").join("|")}|`);
  for (const r of rows) console.log(`| ${r.window} | ${BURNS.map((b) => (r.minutes[String(b)] === undefined ? "does not fire" : `${r.minutes[String(b)]} min`)).join(" | ")} |`);
  console.error(`took ${((Date.now() - start) / 1000).toFixed(0)} s`);
}

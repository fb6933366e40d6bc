// Track affinity ("stickiness") for routers that match and set cookies (istio, gateway-api).
//
// A weighted route picks a track per request. Hashing on a header or cookie inside the track
// (Istio's DestinationRule consistentHash) only picks a pod within the subset the weighted route
// already chose, so a user still moves between blue and green (istio/istio#9764, fluxcd/flagger#7).
// What holds is the approach of fluxcd/flagger#1280: the weighted route adds a `Set-Cookie` naming
// the track to each destination's responses, and a rule per track, ahead of the weighted one,
// sends requests carrying that cookie to that track.
//
// - Every track with weight sets its cookie, not only the candidate: Flagger's canary-only
//   cookie lets the pinned share grow towards 100% over time (its docs, "Configuring stickiness
//   for Primary deployment"). Here each new user is pinned to the track the weights chose.
// - Only the weighted route sets the cookie and it is not refreshed, so `Max-Age` bounds how
//   long a user keeps a track: a weight change reaches pinned users within durationSeconds.
// - The value is `<colour>.<version>`: a promotion keeps it (the track keeps its colour and
//   version until retired), a new release on that colour does not inherit the old pins.
// - A track at weight 0 has no rule and sets no cookie: a rollback (one change of the route
//   object) sends its pinned users back through the weights, which pin them again.
import { COLOURS, type Colour, type ModelConfig } from "../config/schema";

/** The track cookie's name: configured, else `modelship-<model>`. */
export const trackCookieName = (model: Pick<ModelConfig, "name" | "route">): string => model.route.stickiness?.cookie ?? `modelship-${model.name}`;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A full-match regular expression for a `Cookie` request header that carries `name=value`
 * (RFC 6265 §5.4: pairs joined by "; "). Written in the common subset of RE2 (Envoy: Istio,
 * Envoy Gateway), PCRE and POSIX ERE, since Gateway API leaves the dialect to the implementation.
 */
export const cookieIs = (name: string, value: string) => `^(.*; *)?${escapeRegex(name)}=${escapeRegex(value)}(;.*)?$`;

export interface TrackPin {
  colour: Colour;
  /** `<colour>.<version>`: cookie-octets only (RFC 6265 §4.1.1), since versions are label values. */
  value: string;
  /** Matches a request pinned to this track. */
  cookieRegex: string;
  /** What the weighted route adds to this track's responses. */
  setCookie: string;
}

/** The tracks a user can be pinned to (those with weight), or none without stickiness. */
export function trackPins(model: Pick<ModelConfig, "name" | "route" | "tracks">): TrackPin[] {
  const { stickiness } = model.route;
  if (!stickiness) return [];
  const name = trackCookieName(model);
  return COLOURS.filter((c) => model.tracks[c].weight > 0).map((colour) => {
    const value = `${colour}.${model.tracks[colour].version}`;
    return {
      colour,
      value,
      cookieRegex: cookieIs(name, value),
      // Path=/ because the name is per model; no Secure, since the route may be plain HTTP;
      // HttpOnly and SameSite=Lax: nothing in a page needs to read it or send it cross-site.
      setCookie: `${name}=${value}; Path=/; Max-Age=${stickiness.durationSeconds}; HttpOnly; SameSite=Lax`,
    };
  });
}

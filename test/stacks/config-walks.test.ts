// The walks every command makes over a stack file's config before the schema sees it (limits,
// `secure:` values, `__proto__` keys) allocate nothing for a value that passes. These properties
// hold them to the plain recursive definitions they replaced: the same error, word for word, and
// the same config handed to the program.
import { strict as assert } from "assert";
import fc from "fast-check";
import * as YAML from "yaml";
import { ConfigError, escapeControl, keyPath, parseFleetConfig } from "../../components/config/validate";
import { INPUT_LIMITS, stackConfigFromDocument, StackFileError, type Project } from "../../stacks/stackfile/file";
import { SECRET_PLACEHOLDER } from "../../stacks/render/placeholders";

const NAME = "Pulumi.staging.yaml";
const PROJECT: Project = { dir: "/nowhere", name: "proj", main: "/nowhere" };

/** The limits check as first written: the key path built at every node. */
function referenceCheck(at: string, v: unknown, depth = 0): void {
  const fail = (message: string) => {
    throw new StackFileError(`${NAME}: ${at}: ${message}`);
  };
  if (depth > INPUT_LIMITS.depth) fail(`nested more than ${INPUT_LIMITS.depth} deep`);
  if (typeof v === "string" && v.length > INPUT_LIMITS.stringChars) fail(`expected at most ${INPUT_LIMITS.stringChars} characters, got ${v.length}`);
  if (typeof v === "number" && !Number.isFinite(v)) fail(`expected a finite number, got ${Number.isNaN(v) ? ".nan" : v > 0 ? ".inf" : "-.inf"}`);
  if (Array.isArray(v)) v.forEach((x, i) => referenceCheck(`${at}[${i}]`, x, depth + 1));
  else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      const key = escapeControl(k);
      referenceCheck(`${at}.${key.length > 80 ? `${key.slice(0, 79)}…` : key}`, x, depth + 1);
    }
  }
}

const isSecure = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

/** Secret masking as first written: every value copied. */
function referenceMask(v: unknown): { value: unknown; secret: boolean } {
  if (isSecure(v)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(v)) {
    const items = v.map(referenceMask);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).map(([k, x]) => [k, referenceMask(x)] as const);
    return { value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])), secret: entries.some(([, x]) => x.secret) };
  }
  return { value: v, secret: false };
}

/** Every `__proto__` key's path, as first written. */
function referenceProto(v: unknown, at: PropertyKey[], depth = 0): PropertyKey[][] {
  if (typeof v !== "object" || v === null || depth > 100) return [];
  if (Array.isArray(v)) return v.flatMap((x, i) => referenceProto(x, [...at, i], depth + 1));
  return Object.keys(v).flatMap((k) => (k === "__proto__" ? [[...at, k]] : referenceProto((v as Record<string, unknown>)[k], [...at, k], depth + 1)));
}

// Keys as stack files hold them, with what the report must escape or shorten.
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("a\nb", "tab\there", "\u0007bell", "x".repeat(81), `${"é".repeat(79)}\r\n`, "__proto__"));
const leaf = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, true, null, "x".repeat(INPUT_LIMITS.stringChars + 1)),
  fc.string({ maxLength: 8 }).map((secure) => ({ secure })),
);
const tree = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(key, tie("value"), { maxKeys: 4, noNullPrototype: true })),
})).value;
/** A map with one own key, `__proto__` included (a literal or an assignment would set the prototype). */
const own = (k: string, v: unknown) => Object.defineProperty({}, k, { value: v, enumerable: true, writable: true, configurable: true });
/** A tree at the bottom of a chain of arrays and maps, sometimes past the depth limit. */
const nested = fc
  .tuple(tree, fc.array(fc.option(key, { nil: undefined }), { maxLength: INPUT_LIMITS.depth + 6 }))
  .map(([v, chain]) => chain.reduce<unknown>((inner, k) => (k === undefined ? [inner] : own(k, inner)), v));

describe("config walks: the same verdict as the plain definitions, without their allocations", () => {
  it("stackConfigFromDocument: the same limits error, or the same config and secret keys", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("modelship:a", "b", "other:c"), nested, { minKeys: 1, maxKeys: 3, noNullPrototype: true }), (config) => {
        const doc = new YAML.Document({ config });
        let expected: unknown;
        try {
          const out: Record<string, string> = {};
          const secretKeys: string[] = [];
          for (const [rawKey, raw] of Object.entries(doc.toJS().config as Record<string, unknown>)) {
            const k = rawKey.includes(":") ? rawKey : `${PROJECT.name}:${rawKey}`;
            if (raw === null) continue;
            referenceCheck(escapeControl(k), raw);
            const { value, secret } = referenceMask(raw);
            if (secret) secretKeys.push(k);
            out[k] = typeof value === "string" ? value : JSON.stringify(value);
          }
          expected = { config: out, secretKeys };
        } catch (e) {
          expected = (e as Error).message;
        }
        let actual: unknown;
        try {
          actual = stackConfigFromDocument(PROJECT, NAME, doc);
        } catch (e) {
          assert.ok(e instanceof StackFileError, String(e));
          actual = e.message;
        }
        assert.deepEqual(actual, expected);
      }),
      { numRuns: 400, seed: 18 },
    );
  });

  it("parseFleetConfig refuses every __proto__ key, at the paths the plain walk finds", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("models", "namespace", "__proto__", "routers"), nested, { maxKeys: 3, noNullPrototype: true }), (raw) => {
        // JSON.parse keeps `__proto__` as an own key, as the YAML parser does.
        const config = JSON.parse(JSON.stringify(raw, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? 0 : v))) as Record<string, unknown>;
        const expected = referenceProto(config, []).map(keyPath);
        try {
          parseFleetConfig(config, NAME);
          assert.deepEqual(expected, []);
        } catch (e) {
          assert.ok(e instanceof ConfigError, String(e));
          if (expected.length > 0) assert.deepEqual(e.problems.map((p) => p.path), expected);
          else assert.ok(!e.problems.some((p) => /__proto__/.test(p.message)), e.message);
        }
      }),
      { numRuns: 400, seed: 18 },
    );
  });

  it("names the key path of a pinned case exactly", () => {
    const doc = new YAML.Document({ config: { "modelship:models": [{ tracks: { "bad\nkey": { [`${"k".repeat(90)}`]: [1, Number.NaN] } } }] } });
    assert.throws(
      () => stackConfigFromDocument(PROJECT, NAME, doc),
      (e: Error) => e instanceof StackFileError && e.message === `${NAME}: modelship:models[0].tracks.bad\\nkey.${"k".repeat(79)}…[1]: expected a finite number, got .nan`,
    );
  });
});

// Issue 14, "proof": a fixed-seed fuzz of mutated fixture fleets through the schema (and what it
// accepts through synth and the upstream schemas), and of mutated stack-file text through the CLI.
import { strict as assert } from "assert";
import { runFuzz, runTextFuzz } from "./fuzz";

describe("config fuzz (issue 14)", function () {
  this.timeout(300_000);

  it("300 mutated fixture configs: only ConfigErrors, bounded reports by key path, accepted ones render valid objects", async () => {
    const r = await runFuzz({ seed: 14, configs: 300, renderAtMost: 80 });
    const report = r.failures
      .slice(0, 20)
      .map((f) => `run ${f.run} (${f.fixture}; ${f.mutations.join(", ")}) ${f.stage}:\n    ${f.problems.slice(0, 5).join("\n    ")}`)
      .join("\n");
    assert.equal(r.failures.length, 0, `${r.failures.length} failures:\n${report}`);
    assert.equal(r.accepted + r.rejected, 300);
    assert.ok(r.rejected > 50 && r.accepted > 10, `accepted ${r.accepted}, rejected ${r.rejected}: the mutations should land on both sides`);
    assert.ok(r.rendered > 0 && r.objectsValidated > 0);
  });

  it("30 mutated stack files through `modelship synth`: a documented exit code, no stack trace, bounded output", async () => {
    const cases = await runTextFuzz({ seed: 14, count: 30 });
    const bad = cases.filter((c) => c.problems.length > 0);
    assert.deepEqual(
      bad.map((c) => `run ${c.run} (${c.fixture}, ${c.mutation}) exit ${c.code}: ${c.problems.join("; ")}`),
      [],
    );
    assert.ok(cases.some((c) => c.code !== 0) && cases.some((c) => c.code === 0), `exit codes: ${cases.map((c) => c.code).join(" ")}`);
  });
});

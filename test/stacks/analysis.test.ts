import { strict as assert } from "assert";
import { main } from "../../stacks/cli";
import { FIXTURE } from "../helpers";

// The verdict itself is tested with the gate (test/gate); the previous snapshot judge, now a
// benchmark peer, in test/bench/snapshot.test.ts. Here: what `analyze` exits with before any query.
describe("analyze exit codes", () => {
  it("exits 3 on a bad option, stack or model, so a typo never reads as a verdict", async () => {
    const io = { out: () => undefined, err: () => undefined, cwd: FIXTURE };
    assert.equal(await main(["analyze", "--stack", "production", "--model", "nope", "--prometheus", "http://127.0.0.1:9090"], io), 3);
    assert.equal(await main(["analyze", "--stack", "qa", "--model", "fraud-detector", "--prometheus", "http://127.0.0.1:9090"], io), 3);
    assert.equal(await main(["analyze", "--stack", "production", "--model", "fraud-detector"], io), 3);
    // `--window` is gone (the gate counts since the step took effect): an unknown option, refused before any query.
    for (const extra of [["--window", "5m"], ["--no-such-option"]]) {
      const errors: string[] = [];
      assert.equal(await main(["analyze", "--stack", "production", "--model", "fraud-detector", "--prometheus", "http://127.0.0.1:9090", ...extra], { ...io, err: (l: string) => errors.push(l) }), 3);
      assert.match(errors.join("\n"), new RegExp(`unknown option ${extra[0]}`));
    }
  });
});

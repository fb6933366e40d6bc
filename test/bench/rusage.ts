// Preloaded into a measured child (`node -r out/bench/rusage.js ...`): when the process exits, it
// writes its own resource usage (getrusage(RUSAGE_SELF): every thread of the process, from its
// start, in microseconds) to the file MODELSHIP_BENCH_RUSAGE names.
//
// Why not measure from the parent: Node gives a parent no child's rusage (spawnSync reports none,
// process.cpuUsage() and process.resourceUsage() are the caller's own, and a wrapper that spawns
// the child would read its own usage, not the child's). GNU time (wait4) reads the child's but
// prints 10 ms steps, too coarse for `node -e 0`. Only what runs after the 'exit' event (V8's
// teardown) goes uncounted, on the command and its floors alike; checked against GNU time for
// `node -e 0` and `modelship --help`, the two agree within GNU time's 10 ms steps.
import * as fs from "fs";

const file = process.env.MODELSHIP_BENCH_RUSAGE;
if (file) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ userUs: u.userCPUTime, systemUs: u.systemCPUTime, maxRssKb: u.maxRSS }));
  });
}

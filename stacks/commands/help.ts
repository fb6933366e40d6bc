// Every command's help and option table, apart from the commands: `modelship --help` and
// `modelship <command> --help` answer from here without loading a command's dependencies (the
// Pulumi SDK, the schema, the canary gate). No imports: keep it a leaf.

/** The environment variable analyze and advance read the Prometheus URL from. */
export const PROMETHEUS_ENV = "MODELSHIP_PROMETHEUS_URL";

/** Options of every stack-file edit (release, promote, rollback, undo, retire), without the dashes; `true` for flags. */
export const MUTATION_OPTIONS = { stack: false, model: false, "dry-run": true, preview: true, up: true, json: true } as const;

export const mutationFlags = `  --dry-run    show the change and the objects it touches; write nothing
  --preview    after writing, run \`pulumi preview\` for the stack (Automation API)
  --up         after writing, run \`pulumi up\` for the stack (Automation API)
  --json       one JSON report on stdout (what changed, the diff, the objects touched, whether
               the file was written); progress, the diff and Pulumi's output go to stderr`;

export const synthHelp = `modelship synth --stack STACK [--out DIR] [--force] [--json]

Renders the stack offline: runs the Pulumi program under the SDK's mock runtime with the
config of Pulumi.STACK.yaml, writes every Kubernetes object as YAML to DIR (default
out/STACK, replaced as a whole) and prints the models, tracks, weights and capacity.
Secret config values are never decrypted; they render as a placeholder.
  --force      replace DIR even when it is a non-empty directory that is not a previous render
               (every render holds a .modelship-render file). Never overridable: DIR may not be
               /, the project directory or an ancestor, anything holding Pulumi.yaml, a stack
               file, the program or .git, or an existing file
  --json       one JSON object on stdout: the output directory, the files written and the
               models with their tracks, weights and capacity`;

export const statusHelp = `modelship status --stack STACK [--model MODEL] [--json]

Shows each model's rollout phase, tracks, versions, images, weights, capacity per track, the
candidate's step, its quality gate (recorded metrics against thresholds, and any override) and
what the next \`promote\` would do — or why it would refuse. Reads the stack file only.
  --json       one JSON object on stdout: per model phase, step {index, of, weight} | null,
               next {action, from, to, refusal?}, qualityGate and the tracks`;

export const releaseHelp = `modelship release --stack STACK --model MODEL --version V [--image IMAGE] [--model-uri URI] [--metrics name=value,...] [--dry-run|--preview|--up] [--json]

Puts a new version on the idle track at weight 0, reachable only through the preview route.
Refuses while the idle track has weight. Without --image, a model with \`build\` builds the
version's image and runs it by digest. Without --model-uri, the one path segment of the idle
track's URI that is its version is replaced (s3://models/ranker/3 -> s3://models/ranker/4);
with no such segment, or several, it refuses and asks for --model-uri. --metrics records the
version's offline evaluation (for the quality gate).
${mutationFlags}`;

export const promoteHelp = `modelship promote --stack STACK --model MODEL [--to N] [--force [--reason TEXT] [--by NAME]] [--dry-run|--preview|--up] [--json]

Moves the candidate to the next of the model's steps (or to N). At 100 the candidate becomes
the stable track; the old stable keeps full capacity until retired. Refuses a jump past the step
the candidate is provisioned for unless --force, and a version whose recorded metrics fall below
the model's thresholds (the quality gate) unless --force with --reason: the override is written
to the stack file as tracks.<colour>.qualityOverride {reason, by} for review, and lets that
version take traffic until a new release replaces it. Where the stack's policy config
(policies/STACK.json) makes production-weight-on-step mandatory, as in production, weights off
the model's steps are refused, even with --force: \`pulumi up\` would stop on them.
  --reason     why the version may take traffic below its thresholds (with --force)
  --by         who decided it (default: git config user.email, else the OS user name)
${mutationFlags}`;

export const rollbackHelp = `modelship rollback --stack STACK --model MODEL [--dry-run|--preview|--up] [--json]

All traffic back to the stable track in one update. The candidate is marked rolled back, so no
promote puts weight on it again until it is released again, and keeps its capacity, so the
rollback touches routing only. Safe to repeat: with no weight on the candidate it changes nothing
and succeeds. After a completed promotion it refuses: \`modelship undo\` restores the previous stable.
${mutationFlags}`;

export const undoHelp = `modelship undo --stack STACK --model MODEL [--dry-run|--preview|--up] [--json]

Undoes a completed promotion in one update: the previous stable takes all traffic again. It is
still at full capacity and becomes the stable track; the version undone keeps its capacity and is
marked rolled back. Refuses mid-canary (use rollback) and when there is nothing to undo, so a
second undo never flips back.
${mutationFlags}`;

export const retireHelp = `modelship retire --stack STACK --model MODEL [--dry-run|--preview|--up] [--json]

Applies the model's idle policy (warm or cold) to the track without weight, after the bake.
Refuses while it has weight.
${mutationFlags}`;

export const analyzeHelp = `modelship analyze --stack STACK --model MODEL [--prometheus URL] [--json]

Judges the candidate's current step with the sequential canary gate: cumulative counts of
requests, errors and slow requests since the step took effect (the candidate's share of
traffic reached its weight), only for the candidate's version, against the stable track and
the model's SLO, with anytime-valid confidence sequences (rollout.alpha bounds a false fail
per step however often it looks). Before the first step: the candidate's pods must be ready
and preview traffic must not fail its SLO ceiling.
--prometheus defaults to $${PROMETHEUS_ENV}.
Exit code: 0 pass, 1 fail, 2 inconclusive (not enough evidence yet, baking, or the weight is
not in effect), 3 error (Prometheus unreachable or a bad answer, a bad option, stack or
model, or no rollout in progress: never a verdict).`;

export const advanceHelp = `modelship advance --stack STACK (--model MODEL | --all) [--prometheus URL] [--dry-run] [--json]

For each model mid-rollout (a released candidate, or one between 0 and 100%), asks the canary
gate (see \`modelship analyze\`) and acts: promote one step when it passes (after the step's
bake time), roll back when it fails, hold otherwise; a step in effect longer than
rollout.maxInconclusive without a verdict holds and says so (or rolls back with
rollout.onStall: rollback). All changes are one write of the stack file, with the diff and the
objects it touches; the write fails if the file changed since it was read. Run it on a
schedule (see .github/workflows/advance.yml); --prometheus defaults to $${PROMETHEUS_ENV}.
  --dry-run    decide and show the change; write nothing
  --json       one JSON report on stdout (progress and the diff go to stderr)
Exit code: 0 promoted or nothing to do, 1 at least one model rolled back, 2 at least one model
held, 3 error (nothing written: no verdict, no action).`;

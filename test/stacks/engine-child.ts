// Runs stacks/index.ts the way `pulumi up` hands it config: the language host puts the decrypted
// config in PULUMI_CONFIG and the keys that held a `secure:` value in PULUMI_CONFIG_SECRET_KEYS
// (the SDK's runtime/config.js reads both from the environment). Only the resource monitor is
// mocked; nothing here calls setAllConfig. Prints what was registered, or the program's error.
import * as pulumi from "@pulumi/pulumi";
import { providerCall, providerOutputs } from "../../stacks/render/placeholders";

const isSecret = (v: any) => v !== null && typeof v === "object" && v[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
/** Inputs as the engine would store them: secrets wrapped, everything else as is. */
const wire = (v: any): any =>
  isSecret(v) ? { secret: wire(v.value) } : Array.isArray(v) ? v.map(wire) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wire(x)])) : v;

async function main() {
  const registered: { type: string; name: string; inputs: unknown }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: wire(args.inputs) });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...providerOutputs(args.type, args.name, args.inputs) } };
      },
      call(args) {
        return providerCall(args.token) ?? {};
      },
    },
    "modelship",
    process.env.ENGINE_CHILD_STACK ?? "staging",
    false,
  );
  let error: string | undefined;
  const fail = (e: unknown) => void (error ??= e instanceof Error ? e.message : String(e));
  // The SDK also raises a program's error outside the stack's promise.
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  process.on("exit", () => process.stdout.write(JSON.stringify({ error, registered })));
  try {
    await pulumi.runtime.runInPulumiStack(require("../../stacks/index"));
    await pulumi.runtime.disconnect();
  } catch (e) {
    fail(e);
  }
}

void main();

// The stack config the program reads. The loader lives in the library (components/config/stack.ts),
// so a user's own program reads the `modelship:` keys exactly as this one does.
import { fleetConfigFromStack } from "../components/config/stack";

export * from "../components/config/stack";

/** The validated fleet config of the running stack (the library's fleetConfigFromStack). */
export const loadFleetConfig = fleetConfigFromStack;

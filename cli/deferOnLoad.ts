/**
 * Imported first by the command line (cli/main.ts), before anything that loads
 * `@pulumi/pulumi` (the policy pack does): see deferredModules.ts.
 */
import { deferOwnClosureTooling } from "./deferredModules.ts";

deferOwnClosureTooling();

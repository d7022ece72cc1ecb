import type { CommandModule } from "yargs";
import { CliError } from "./errors.ts";

// Work in progress: the offline engine lands in the next commit.
export const planCommand: CommandModule = {
  command: "plan",
  describe: "Compute the plan of a stack offline",
  handler: () => {
    throw new CliError("plan is not implemented yet");
  },
};

/**
 * What a command reads and writes besides files and the network: the process's standard streams,
 * or a test's buffers. Every command's `runX(options, io, deps)` writes through it alone.
 */
import { UsageError } from "./errors.ts";

export interface CommandIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Standard input, whole (`--stack-outputs -`). */
  readStdin(): Promise<string>;
  /** Whether standard error is a terminal someone watches (a progress bar draws there). */
  readonly stderrIsTerminal: boolean;
}

/** This process's standard streams. */
export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin: readAllStdin,
  get stderrIsTerminal() {
    return process.stderr.isTTY === true;
  },
};

/** Standard input, whole; refused when it is a terminal (nothing was piped). */
export async function readAllStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError(
      "--stack-outputs -: nothing is piped on stdin; run `pulumi stack output --json --show-secrets | budget-sync ... --stack-outputs -`",
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

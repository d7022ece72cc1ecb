/** A command's io in memory: what it wrote to stdout, stderr and both (as written). */
import type { CommandIo } from "../../cli/io.ts";

export interface BufferedIo extends CommandIo {
  out: string;
  err: string;
  /** stdout and stderr interleaved, as written. */
  all: string;
}

export function bufferIo(stdin: string | (() => Promise<string>) = ""): BufferedIo {
  const io: BufferedIo = {
    out: "",
    err: "",
    all: "",
    stdout: (text) => {
      io.out += text;
      io.all += text;
    },
    stderr: (text) => {
      io.err += text;
      io.all += text;
    },
    readStdin: typeof stdin === "string" ? async () => stdin : stdin,
    stderrIsTerminal: false,
  };
  return io;
}

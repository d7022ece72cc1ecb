/**
 * Bench: budget files, whole commands as a user starts them (start-up included).
 *
 *   npx tsx bench/files.ts            # or: npm run bench -- files
 *   BENCH_ROWS=200000 BENCH_UPLOAD_MB=50 BENCH_RUNS=1 npx tsx bench/files.ts   # quicker
 *
 * 1. validate: `node bin/budget-sync.js validate` of a generated 1,000,000-row CSV beside a bare
 *    csv-parse pass over the same file (`node bench/bareCsvParse.mjs`, a plain stream that counts
 *    records), alternating, median of BENCH_RUNS; rows/s, the ratio, and peak RSS (GNU time's
 *    maximum resident set size), with `budget-sync --help` as the start-up baseline.
 * 2. upload: `node bin/budget-sync.js upload` of a generated 1 MB and 200 MB CSV (validation
 *    included) beside `/usr/bin/aws s3 cp` of the same file, both to the same s3rver,
 *    alternating; wall and CPU time, ours with Content-MD5 and with CRC32 per part.
 * Files go to bench/out/ (git-ignored). Timings belong here, never in `npm test`.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(REPO, "bin/budget-sync.js");
const BARE = path.join(REPO, "bench/bareCsvParse.mjs");
const OUT = path.join(REPO, "bench/out");
const GNU_TIME = "/usr/bin/time";
const AWS = "/usr/bin/aws";

interface Measure {
  seconds: number;
  /** Peak resident set size in MB, when GNU time is there to tell. */
  peakMb?: number;
  /** CPU time (user and system, all threads), when GNU time is there to tell. */
  cpuSeconds?: number;
  stdout: string;
}

/** Runs a command to its end; wall time, and peak RSS through GNU time when installed. */
function measure(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Measure> {
  const timed = existsSync(GNU_TIME);
  const [file, argv] = timed
    ? [GNU_TIME, ["-f", "BENCH_MAXRSS_KB=%M BENCH_CPU=%U+%S", command, ...args]]
    : [command, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-500)}`));
        return;
      }
      const kb = /BENCH_MAXRSS_KB=(\d+)/.exec(stderr)?.[1];
      const cpu = /BENCH_CPU=([\d.]+)\+([\d.]+)/.exec(stderr);
      resolve({
        seconds,
        peakMb: kb ? Number(kb) / 1024 : undefined,
        cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined,
        stdout,
      });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A budget CSV of `rows` distinct rows, as an FP&A export writes them. */
export async function writeBudgetCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r()));
  await write("Department,Sub Category,Fiscal Period,Budget Amount,Currency\n");
  const currencies = ["USD", "EUR", "GBP", "INR"];
  let buffer = "";
  for (let i = 0; i < rows; i++) {
    const period = i % 5 === 0 ? `FY ${2000 + (i % 30)}` : `Q${1 + (i % 4)} ${2000 + (i % 30)}`;
    buffer += `Department ${i % 997},Sub Category ${i},${period},${(i * 37) % 1_000_000}.${i % 100},${currencies[i % 4]}\n`;
    if (buffer.length > 1 << 16) {
      await write(buffer);
      buffer = "";
    }
  }
  await write(buffer);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function fixture(name: string, rows: number): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, name);
  return (existsSync(file) ? Promise.resolve() : writeBudgetCsv(file, rows)).then(() => file);
}

const mb = (n: number | undefined) => (n === undefined ? "n/a" : `${n.toFixed(0)} MB`);

export async function benchValidate(rows: number, runs: number): Promise<void> {
  const file = await fixture(`budget-${rows}.csv`, rows);
  const size = statSync(file).size;
  console.log(
    `validate: ${rows.toLocaleString("en-US")} rows, ${(size / 1e6).toFixed(1)} MB, median of ${runs}`,
  );
  const ours: Measure[] = [];
  const bare: Measure[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(await measure(process.execPath, [BARE, file]));
    ours.push(await measure(process.execPath, [BIN, "validate", file]));
  }
  if (!ours[0].stdout.includes(`valid (CSV, ${rows} rows)`))
    throw new Error(`unexpected: ${ours[0].stdout}`);
  const starts: Measure[] = [];
  for (let i = 0; i < runs; i++) starts.push(await measure(process.execPath, [BIN, "--help"]));
  const start = {
    seconds: median(starts.map((m) => m.seconds)),
    peakMb: median(starts.map((m) => m.peakMb ?? NaN)),
  };
  const oursS = median(ours.map((m) => m.seconds));
  const bareS = median(bare.map((m) => m.seconds));
  const oursRss = median(ours.map((m) => m.peakMb ?? NaN));
  console.log(
    `  budget-sync validate  ${oursS.toFixed(2)} s  ${Math.round(rows / oursS).toLocaleString("en-US")} rows/s  peak RSS ${mb(oursRss)}`,
  );
  console.log(
    `  bare csv-parse        ${bareS.toFixed(2)} s  ${Math.round(rows / bareS).toLocaleString("en-US")} rows/s  peak RSS ${mb(median(bare.map((m) => m.peakMb ?? NaN)))}`,
  );
  console.log(
    `  throughput ratio      ${(bareS / oursS).toFixed(2)}x bare csv-parse (target >= 0.7)`,
  );
  console.log(
    `  start-up alone        budget-sync --help: ${start.seconds.toFixed(2)} s, peak RSS ${mb(start.peakMb)}`,
  );
  console.log(`  peak RSS target       < 150 MB: ${oursRss < 150 ? "met" : "NOT met"}`);
}

/** One command's runs of one upload: wall, CPU, s3rver's CPU, peak RSS. */
type UploadRun = Measure & { serverCpu: number };

/**
 * `budget-sync upload` of a file beside `/usr/bin/aws s3 cp` of the same file to the same
 * s3rver, alternating (CLI, ours with Content-MD5, ours with CRC32), `runs` times each; medians
 * of wall and CPU time, and the ratio of our wall time to the CLI's.
 *
 * Each part carries one checksum either way. Against S3 the SDK sends flexible checksums (CRC32,
 * which S3 checks); against another store `upload` sends Content-MD5, which every store checks.
 * s3rver checks neither, so both are measured, each with its checksum really computed and sent:
 * AWS_REQUEST_CHECKSUM_CALCULATION chooses, as it would for a user.
 */
export async function benchUpload(megabytes: number, runs: number): Promise<void> {
  if (!existsSync(AWS)) {
    console.log(`upload: skipped, ${AWS} is missing (apt-get install -y awscli)`);
    return;
  }
  // About 56.6 bytes a row in this generator.
  const file = await fixture(`budget-${megabytes}MB.csv`, Math.round((megabytes * 1e6) / 56.6));
  const size = statSync(file).size;
  const { startS3rver } = await import("../test/helpers/s3rver.ts");
  const s3 = await startS3rver(["bench"]);
  try {
    console.log(
      `upload: ${(size / 1e6).toFixed(size < 1e7 ? 1 : 0)} MB to s3rver, alternating, median of ${runs}`,
    );
    // s3rver runs in this process, which otherwise only waits: its CPU time is this process's.
    const served = async (run: () => Promise<Measure>): Promise<UploadRun> => {
      const before = process.cpuUsage();
      const measured = await run();
      const used = process.cpuUsage(before);
      return { ...measured, serverCpu: (used.user + used.system) / 1e6 };
    };
    const ours = (checksum: "WHEN_REQUIRED" | "WHEN_SUPPORTED", i: number) =>
      served(async () => {
        const run = await measure(
          process.execPath,
          [BIN, "upload", file, "--bucket", "bench", "--prefix", `ours${i}/`],
          {
            ...process.env,
            ...s3.env,
            AWS_REQUEST_CHECKSUM_CALCULATION: checksum,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          },
        );
        const expected = checksum === "WHEN_REQUIRED" ? "Content-MD5" : "CRC32";
        if (!run.stdout.includes("uploaded s3://bench/") || !run.stdout.includes(expected))
          throw new Error(`unexpected: ${run.stdout}`);
        return run;
      });
    const cli: UploadRun[] = [];
    const md5: UploadRun[] = [];
    const crc: UploadRun[] = [];
    for (let i = 0; i < runs; i++) {
      cli.push(
        await served(() =>
          measure(
            AWS,
            [
              "--endpoint-url",
              s3.endpoint,
              "s3",
              "cp",
              file,
              "s3://bench/aws/budget.csv",
              "--only-show-errors",
            ],
            { ...process.env, ...s3.env },
          ),
        ),
      );
      md5.push(await ours("WHEN_REQUIRED", i));
      crc.push(await ours("WHEN_SUPPORTED", i));
    }
    const cliS = median(cli.map((m) => m.seconds));
    const row = (label: string, runs: UploadRun[], target?: number) => {
      const seconds = median(runs.map((m) => m.seconds));
      const cpu = median(runs.map((m) => m.cpuSeconds ?? NaN));
      const server = median(runs.map((m) => m.serverCpu));
      const ratio = seconds / cliS;
      console.log(
        `  ${label.padEnd(46)} ${seconds.toFixed(2)} s  CPU ${cpu.toFixed(2)} s, s3rver's ${server.toFixed(2)} s, peak RSS ${mb(median(runs.map((m) => m.peakMb ?? NaN)))}${target ? `  ${ratio.toFixed(2)}x the CLI's time (target <= ${target}x: ${ratio <= target ? "met" : "NOT met"})` : ""}`,
      );
    };
    const target = size > 100e6 ? 1.3 : 1.1;
    row("aws s3 cp (AWS CLI 2, its own checksums)", cli);
    row("budget-sync upload, Content-MD5 per part", md5, target);
    row("budget-sync upload, CRC32 per part (as to S3)", crc, target);
    console.log(
      `  ${"machine".padEnd(46)} ${availableParallelism()} cores shared by the command, its threads and s3rver; Node ${process.version}`,
    );
  } finally {
    await s3.close();
  }
}

export async function runFilesBench(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  await benchValidate(Number(process.env.BENCH_ROWS ?? 1_000_000), runs);
  // A guide-sized file (about 1 MB), where start-up is most of the time: 7 runs.
  await benchUpload(1, Number(process.env.BENCH_RUNS ?? 7));
  await benchUpload(Number(process.env.BENCH_UPLOAD_MB ?? 200), runs);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runFilesBench();

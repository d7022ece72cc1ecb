/**
 * An in-process s3rver (a real S3 HTTP server on loopback) for end-to-end tests: a free port,
 * its own temporary directory, and the environment that points the SDK and our CLI at it.
 */
import { mkdtemp, rm, utimes } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { createS3Client } from "../../cli/aws/s3Client.ts";

export interface RunningS3rver {
  endpoint: string;
  /** Environment for the SDK and the CLI: endpoint, s3rver's fixed credentials, a region. */
  env: Record<string, string>;
  /**
   * Sets an object's LastModified, as S3 would have set it had the object been written at `when`
   * (s3rver reads it from the stored file's mtime): a test needs no wait for the clock to move.
   */
  setLastModified(bucket: string, key: string, when: Date): Promise<void>;
  close(): Promise<void>;
}

/** s3rver's built-in key pair; it checks signatures, so other keys are refused. */
export const S3RVER_ACCESS_KEY_ID = "S3RVER";
export const S3RVER_SECRET_ACCESS_KEY = "S3RVER";

export async function startS3rver(buckets: string[] = []): Promise<RunningS3rver> {
  const directory = await mkdtemp(path.join(tmpdir(), "budget-sync-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
      AWS_REGION: "us-east-1",
      AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
      AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: path.join(directory, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(directory, "no-credentials"),
    },
    async setLastModified(bucket, key, when) {
      await utimes(server.store.getResourcePath(bucket, key, "object"), when, when);
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * An S3 client for a running s3rver, built by our own `createS3Client` with the settings the
 * default chain would give it from `env`, plus a log of every command it sends and optional
 * stand-ins for commands s3rver lacks or for refusals a real bucket policy would give.
 */
export function s3rverClient(
  server: RunningS3rver,
  options: {
    sent?: string[];
    /** Answer these commands without sending them: a value, or an error to throw. */
    fake?: Record<string, (input: Record<string, unknown>) => unknown>;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  } = {},
): S3Client {
  const client = createS3Client(
    {
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: options.credentials ?? {
        accessKeyId: S3RVER_ACCESS_KEY_ID,
        secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
      },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    },
    server.env,
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      options.sent?.push(name);
      const fake = options.fake?.[name];
      if (fake) {
        const output = fake(args.input as Record<string, unknown>) as object;
        return { output: { $metadata: {}, ...output }, response: {} };
      }
      return next(args);
    },
    { step: "initialize", name: "testRecorder" },
  );
  return client;
}

/** An error shaped as the SDK throws S3's refusals. */
export function s3Refusal(code: string, status = 403): Error {
  return Object.assign(new Error(`${code} (test)`), {
    name: code,
    $metadata: { httpStatusCode: status },
  });
}

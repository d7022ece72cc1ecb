/**
 * s3rver with versions: a proxy in front of it that answers as a versioned bucket does, for the
 * messages that name version ids (s3rver answers NotImplemented for versioning). Every write
 * that makes an object (PutObject, CompleteMultipartUpload) gets a new version id in
 * `x-amz-version-id`, and reads of an object (HeadObject, GetObject) carry its current one.
 * Requests go through unchanged, Host header included, so s3rver still checks signatures.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface VersioningStore {
  endpoint: string;
  /** The version ids given to each key, oldest first. */
  versions: Map<string, string[]>;
  close(): Promise<void>;
}

export async function startVersioningStore(target: string): Promise<VersioningStore> {
  const upstream = new URL(target);
  const versions = new Map<string, string[]>();
  let next = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    // Path style: /bucket/key...
    const key = decodeURIComponent(url.pathname).split("/").slice(1).join("/");
    const objectPath = key.includes("/") || /^[^/]+\/./.test(key);
    const makesObject =
      objectPath &&
      ((req.method === "PUT" && !url.searchParams.has("partNumber")) ||
        (req.method === "POST" && url.searchParams.has("uploadId")));
    const readsObject = objectPath && (req.method === "HEAD" || req.method === "GET");
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer: IncomingMessage) => {
        const headers = { ...answer.headers };
        const ok = (answer.statusCode ?? 500) < 300;
        if (ok && makesObject) {
          const id = `v${++next}-${Math.random().toString(36).slice(2, 10)}`;
          versions.set(key, [...(versions.get(key) ?? []), id]);
          headers["x-amz-version-id"] = id;
        } else if (ok && readsObject && versions.has(key)) {
          headers["x-amz-version-id"] = versions.get(key)!.at(-1);
        }
        res.writeHead(answer.statusCode ?? 500, headers);
        answer.pipe(res);
      },
    );
    forward.on("error", (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    versions,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * An S3 endpoint that refuses every request as S3 refuses bad credentials: the status and the
 * XML error document S3 sends (a HEAD gets the status alone, as from S3). For the refusals
 * s3rver cannot give (it checks that a key exists, not signatures, tokens or policies).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RefusingStore {
  endpoint: string;
  /** Requests seen, as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

const MESSAGES: Record<string, string> = {
  AccessDenied: "Access Denied",
  SignatureDoesNotMatch:
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  ExpiredToken: "The provided token has expired.",
  InvalidAccessKeyId: "The AWS Access Key Id you provided does not exist in our records.",
};

export async function startRefusingStore(code: string, status = 403): Promise<RefusingStore> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${MESSAGES[code] ?? code}</Message><RequestId>TEST</RequestId></Error>`;
      res.writeHead(status, {
        "content-type": "application/xml",
        "x-amz-request-id": "TEST",
        ...(req.method === "HEAD" ? {} : { "content-length": Buffer.byteLength(body) }),
      });
      res.end(req.method === "HEAD" ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

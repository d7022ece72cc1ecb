/**
 * Stack outputs as `pulumi stack output --json --show-secrets` prints them, for the commands that
 * read them (register, test-connection, onboarding-kit). The secrets are made up, and are long
 * enough that any piece of one printed would be noticed (`expectNoSecret`).
 */
import { expect } from "vitest";
import { hostedCustomerBlock } from "./hostedOutputs.ts";

export const ACME_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYACMEKEY01";
export const GLOBEX_SECRET = "Hh3Jj5Kk7Ll9Zz1Xx2Cc4Vv6Bb8Nn0Mm+/qwer";
export const READER_SECRET = "Rr9Ee8Aa7Dd6Ee5Rr4Ss3Ee2Cc1Rr0Ee+/tyui";
export const OWN_SECRET = "Oo1Ww2Nn3Ss4Tt5Aa6Cc7Kk8Ss9Ee0Cc+/own1";
const SECRETS = [ACME_SECRET, GLOBEX_SECRET, READER_SECRET, OWN_SECRET];

/** Fails when any 8 characters of a secret appear in `text`. */
export function expectNoSecret(text: string): void {
  for (const secret of SECRETS)
    for (let i = 0; i + 8 <= secret.length; i++)
      expect(text, "a piece of a secret was printed").not.toContain(secret.slice(i, i + 8));
}

/**
 * One customer's block of the hosted stack's `customers` output: the customer's own upload key,
 * and SpendFlo's read-only sync role for it (`spendflo-reader-<id>`) with its external id, which
 * is what `register --customer` sends (test/helpers/hostedOutputs.ts, for one bucket).
 */
export function hostedCustomerOutputs(
  id: string,
  accessKeyId: string,
  secretAccessKey: string,
  bucket = "spendflo-budget-uploads",
) {
  const block = hostedCustomerBlock(id, accessKeyId, secretAccessKey);
  return { ...block, syncSourceConfig: { ...block.syncSourceConfig, bucketName: bucket } };
}

/** The hosted stack's outputs (SpendFlo's bucket), two customers. */
export function hostedOutputs(bucket = "spendflo-budget-uploads") {
  return {
    bucketName: bucket,
    bucketArn: `arn:aws:s3:::${bucket}`,
    region: "us-east-1",
    prefix: "customers/",
    manageBucket: true,
    customers: {
      acme: {
        name: "Acme Corp",
        ...hostedCustomerOutputs("acme", "AKIAACMEACMEACME1234", ACME_SECRET, bucket),
      },
      globex: hostedCustomerOutputs("globex", "AKIAGLOBEXGLOBEX5678", GLOBEX_SECRET, bucket),
    },
  };
}

/** A customer's own stack in iam-user mode (the guide's Option 2), with a reader key pair. */
export function ownStackOutputs(
  bucket = "acme-budget-exports",
  accessKeyId = "AKIAOWNSTACKREADER01",
  secretAccessKey = OWN_SECRET,
) {
  return {
    accessMode: "iam-user",
    bucketName: bucket,
    bucketArn: `arn:aws:s3:::${bucket}`,
    region: "us-east-1",
    prefix: "budgets/",
    readerUserName: "spendflo-budget-sync-own-bucket",
    accessKeyId,
    secretAccessKey,
    syncSourceConfig: {
      bucketName: bucket,
      region: "us-east-1",
      accessKeyId,
      secretAccessKey,
      prefix: "budgets/",
    },
  };
}

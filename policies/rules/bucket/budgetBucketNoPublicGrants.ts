import type { StackValidationPolicy } from "@pulumi/policy";
import {
  PolicyDocumentError,
  isPublicAllow,
  parsePolicyDocument,
} from "../../../lib/iam/analysis.ts";
import { T, describe, obj, objList, str } from "../../../lib/stack/model.ts";
import { bucketConfigSchema } from "../../support/common.ts";
import {
  bucketLabel,
  bucketPolicies,
  checkEachBucket,
  settingsOf,
} from "../../support/bucketChecks.ts";

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/i;

/** A budget file is never for the internet: no grant to "*" that a fixed condition does not pin. */
export const budgetBucketNoPublicGrants: StackValidationPolicy = {
  name: "budget-bucket-no-public-grants",
  description:
    'Checks that no bucket policy, access point policy or ACL of a bucket in the stack allows "*" (or AllUsers/AuthenticatedUsers) without a fixed-value condition such as aws:PrincipalAccount or aws:SourceVpce.',
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    'Remove the statement, access point policy or ACL grant that lets everyone in ("*", AllUsers or AuthenticatedUsers), or bind it with a fixed-value condition such as aws:PrincipalAccount or aws:SourceVpce; keep object ownership BucketOwnerEnforced so that ACLs stay off.',
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
  configSchema: bucketConfigSchema,
  validateStack: (args, reportViolation) =>
    checkEachBucket(args, (b, unknowns, all) => {
      const { docs } = bucketPolicies(b, unknowns);
      for (const d of docs) {
        for (const s of d.statements) {
          if (!isPublicAllow(s)) continue;
          reportViolation(
            `${bucketLabel(b)} is public: ${describe(d.source)} (${s.sid ? `statement "${s.sid}"` : `statement ${s.index}`}) allows ${s.notPrincipal ? "everyone but its NotPrincipal" : '"*"'} without a fixed-value condition (aws:PrincipalAccount, aws:PrincipalArn, aws:SourceVpce, ...). Grant named accounts or roles instead.`,
            d.source.urn,
          );
        }
      }
      // Access points on this bucket, and their separate policies.
      for (const ap of settingsOf(b, T.AccessPoint)) {
        const apNames = [ap.name, unknowns.peek(() => str(ap.props, "name"), undefined)];
        const policies = [
          ap,
          ...all.filter(
            (r) =>
              r.type === T.AccessPointPolicy &&
              (r.propertyDependencies?.["accessPointArn"]?.some((x) => x.urn === ap.urn) ||
                apNames.some(
                  (n) =>
                    n &&
                    unknowns
                      .peek(() => str(r.props, "accessPointArn"), "")
                      ?.endsWith(`accesspoint/${n}`),
                )),
          ),
        ];
        for (const p of policies) {
          const doc = unknowns.read(() => p.props["policy"], undefined);
          if (doc === undefined || doc === null || doc === "") continue;
          let statements;
          try {
            statements = unknowns.read(() => parsePolicyDocument(doc), []);
          } catch (e) {
            if (e instanceof PolicyDocumentError) continue;
            throw e;
          }
          for (const s of statements) {
            if (!isPublicAllow(s)) continue;
            reportViolation(
              `${bucketLabel(b)} is public through an access point: ${describe(p)} (${s.sid ? `statement "${s.sid}"` : `statement ${s.index}`}) allows "*" without a fixed-value condition.`,
              p.urn,
            );
          }
        }
      }
      // ACLs: inline (deprecated) and aws.s3.BucketAcl / BucketAclV2.
      const aclSources = [b.resource, ...settingsOf(b, T.BucketAcl, T.BucketAclV2)];
      for (const src of aclSources) {
        const acl = unknowns.read(() => str(src.props, "acl"), undefined);
        if (acl && PUBLIC_ACLS.includes(acl)) {
          reportViolation(
            `${bucketLabel(b)} is public: ${describe(src)} sets the canned ACL "${acl}".`,
            src.urn,
          );
        }
        const grants = [
          ...unknowns.read(() => objList(src.props["grants"]), []),
          ...unknowns.read(() => objList(obj(src.props["accessControlPolicy"])?.["grants"]), []),
        ];
        for (const g of grants) {
          const grantee = obj(unknowns.read(() => g["grantee"], undefined)) ?? g;
          const uri = unknowns.read(() => grantee["uri"], undefined);
          if (typeof uri === "string" && PUBLIC_GROUPS.test(uri)) {
            reportViolation(
              `${bucketLabel(b)} is public: ${describe(src)} grants access to ${uri}.`,
              src.urn,
            );
          }
        }
      }
    }),
};

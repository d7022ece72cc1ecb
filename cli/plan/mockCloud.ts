import { createHash } from "node:crypto";
import { resourceNameProblem } from "../../lib/aws/names.ts";
import { partitionOf } from "../../lib/aws/regions.ts";
import { UNKNOWN } from "../../lib/stack/plannedResource.ts";
import {
  answerGetPolicyDocument,
  GET_POLICY_DOCUMENT_TOKEN,
  PolicyDocumentInvokeError,
} from "../../lib/iam/policyDocumentInvoke.ts";
import {
  placeholderAccessKeyId,
  placeholderSecretAccessKey,
} from "../../lib/spendflo/offlinePlaceholders.ts";

/**
 * The offline engine's stand-in for AWS: physical ids, ARNs and computed attributes derived
 * from type and name, shaped like the provider's, so a plan reads like the real thing.
 * Deterministic: the same program and config give the same plan.
 */

export interface MockCloudSettings {
  accountId: string;
  region: string;
}

/** Name properties by type: the input that holds the physical name, when it has one. */
const NAME_PROPERTY: Record<string, string> = {
  "aws:s3/bucket:Bucket": "bucket",
  "aws:s3/bucketV2:BucketV2": "bucket",
};

/** The input that holds a resource type's physical name (`name` for most AWS resources). */
export function nameProperty(type: string): string {
  return NAME_PROPERTY[type] ?? "name";
}

/** Types whose id is the bucket they configure. */
const BUCKET_SETTINGS = /^aws:s3\/bucket[A-Za-z0-9]+:/;

/** Types the provider auto-names when no name is given (most AWS resources with a `name`). */
const NOT_AUTONAMED = new Set([
  "aws:iam/accessKey:AccessKey",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:lambda/permission:Permission",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:cloudwatch/eventTarget:EventTarget",
]);

export function hex(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) {
    out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  }
  return out.slice(0, length);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function base32ish(seed: string, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const h = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[h[i % h.length]! % 32];
  return out;
}

/** The provider's auto-name: the logical name plus a dash and seven hex characters. */
export function autoName(logicalName: string, seed: string, lowercase = false): string {
  const name = `${logicalName}-${hex(seed, 7)}`;
  return lowercase ? name.toLowerCase() : name;
}

export interface MockResult {
  id: string | undefined;
  state: Record<string, unknown>;
  /** Values the provider would mark secret (an access key's secret). */
  secretOutputs: string[];
}

/** The physical id and state of a new custom resource. */
export function mockResource(
  type: string,
  logicalName: string,
  urn: string,
  inputs: Record<string, unknown>,
  settings: MockCloudSettings,
): MockResult {
  const { accountId, region } = settings;
  checkNames(type, logicalName, inputs);
  const p = partitionOf(region);
  const state: Record<string, unknown> = { ...inputs };
  const secretOutputs: string[] = [];
  const [pkg, moduleAndFile] = type.split(":");
  const service = (moduleAndFile ?? "").split("/")[0] ?? "";
  const nameKey = nameProperty(type);
  let physicalName = typeof inputs[nameKey] === "string" ? (inputs[nameKey] as string) : undefined;
  if (
    physicalName === undefined &&
    pkg === "aws" &&
    !NOT_AUTONAMED.has(type) &&
    !BUCKET_SETTINGS.test(type) &&
    typeof inputs.namePrefix !== "string"
  ) {
    physicalName = autoName(logicalName, urn, type.startsWith("aws:s3/"));
    state[nameKey] = physicalName;
  } else if (physicalName === undefined && typeof inputs.namePrefix === "string") {
    physicalName = `${inputs.namePrefix}${hex(urn, 26)}`;
    state[nameKey] = physicalName;
  }
  const regional = (svc: string, resource: string) =>
    `arn:${p}:${svc}:${region}:${accountId}:${resource}`;
  const global = (svc: string, resource: string) => `arn:${p}:${svc}::${accountId}:${resource}`;
  let id: string = physicalName ?? `${logicalName}-${hex(urn, 8)}`;

  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      state.arn = `arn:${p}:s3:::${physicalName}`;
      state.bucketDomainName = `${physicalName}.s3.amazonaws.com`;
      state.bucketRegionalDomainName = `${physicalName}.s3.${region}.amazonaws.com`;
      state.region = region;
      break;
    case "aws:iam/user:User":
      state.arn = global("iam", `user${inputs.path ?? "/"}${physicalName}`);
      state.uniqueId = `AIDA${base32ish(urn, 17)}`;
      break;
    case "aws:iam/role:Role":
      state.arn = global("iam", `role${inputs.path ?? "/"}${physicalName}`);
      state.uniqueId = `AROA${base32ish(urn, 17)}`;
      break;
    case "aws:iam/group:Group":
      state.arn = global("iam", `group${inputs.path ?? "/"}${physicalName}`);
      break;
    case "aws:iam/policy:Policy":
      state.arn = global("iam", `policy${inputs.path ?? "/"}${physicalName}`);
      id = state.arn as string;
      break;
    case "aws:iam/instanceProfile:InstanceProfile":
      state.arn = global("iam", `instance-profile/${physicalName}`);
      break;
    case "aws:iam/userPolicy:UserPolicy":
      id = `${inputs.user}:${physicalName}`;
      break;
    case "aws:iam/rolePolicy:RolePolicy":
      id = `${inputs.role}:${physicalName}`;
      break;
    case "aws:iam/accessKey:AccessKey": {
      // Placeholders that fit the outputs' schema and that no one could take for a real key.
      id = placeholderAccessKeyId(hex(urn, 12));
      const secret = placeholderSecretAccessKey(hex(`${urn}#secret`, 13));
      state.secret = secret;
      state.status = inputs.status ?? "Active";
      state.createDate = "2026-01-01T00:00:00Z";
      secretOutputs.push(secret);
      break;
    }
    case "aws:kms/key:Key":
      id = uuid(urn);
      state.keyId = id;
      state.arn = regional("kms", `key/${id}`);
      break;
    case "aws:kms/alias:Alias":
      state.arn = regional("kms", String(physicalName));
      state.targetKeyArn = regional("kms", `key/${inputs.targetKeyId}`);
      break;
    case "aws:lambda/function:Function":
      state.arn = regional("lambda", `function:${physicalName}`);
      state.qualifiedArn = `${state.arn}:1`;
      state.invokeArn = `arn:${p}:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
      state.version = "1";
      break;
    case "aws:sns/topic:Topic":
      state.arn = regional("sns", String(physicalName));
      id = state.arn as string;
      break;
    case "aws:sns/topicSubscription:TopicSubscription":
      id = `${inputs.topic}:${uuid(urn)}`;
      state.arn = id;
      break;
    case "aws:sqs/queue:Queue":
      state.arn = regional("sqs", String(physicalName));
      id = `https://sqs.${region}.amazonaws.com/${accountId}/${physicalName}`;
      state.url = id;
      break;
    case "aws:cloudtrail/trail:Trail":
      state.arn = regional("cloudtrail", `trail/${physicalName}`);
      state.homeRegion = region;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      state.arn = regional("logs", `log-group:${physicalName}`);
      break;
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      state.arn = regional("cloudwatch", `alarm:${physicalName}`);
      break;
    case "aws:cloudwatch/eventRule:EventRule":
      state.arn = regional(
        "events",
        `rule/${inputs.eventBusName ?? "default"}/${physicalName}`.replace(
          "rule/default/",
          "rule/",
        ),
      );
      break;
    case "aws:scheduler/schedule:Schedule":
      state.arn = regional(
        "scheduler",
        `schedule/${inputs.groupName ?? "default"}/${physicalName}`,
      );
      break;
    case "aws:sns/topicPolicy:TopicPolicy":
      id = String(inputs.arn);
      break;
    case "aws:cloudwatch/eventTarget:EventTarget":
      id = `${inputs.rule}-${inputs.targetId ?? hex(urn, 8)}`;
      break;
    case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
      id = String(inputs.functionName);
      break;
    case "aws:ssm/parameter:Parameter":
      state.arn = regional("ssm", `parameter/${String(physicalName).replace(/^\//, "")}`);
      break;
    default:
      if (BUCKET_SETTINGS.test(type) && typeof inputs.bucket === "string") {
        id = inputs.bucket;
      } else if (pkg === "aws" && state.arn === undefined) {
        state.arn = regional(service, `${logicalName}/${physicalName ?? id}`);
      }
  }
  state.id = id;
  if (pkg === "aws" && state.tags && typeof state.tags === "object") state.tagsAll = state.tags;
  return { id, state, secretOutputs };
}

/**
 * What AWS fills in on creation that the program did not set: read back by the provider after
 * the create, so a stack policy after `pulumi up` sees them. S3 encrypts every new bucket with
 * SSE-S3 and leaves versioning off; the owner holds FULL_CONTROL; a new role has no inline or
 * managed policy yet (its policy resources are created after it).
 */
export function awsFilledOutputs(
  type: string,
  state: Record<string, unknown>,
  settings: MockCloudSettings,
): Record<string, unknown> {
  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      return {
        acl: null,
        grants: [
          {
            type: "CanonicalUser",
            id: hex(`owner#${settings.accountId}`, 64),
            permissions: ["FULL_CONTROL"],
            uri: "",
          },
        ],
        serverSideEncryptionConfiguration: {
          rule: {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256", kmsMasterKeyId: "" },
            bucketKeyEnabled: false,
          },
        },
        versioning: { enabled: false, mfaDelete: false },
        lifecycleRules: [],
        objectLockEnabled: false,
        requestPayer: "BucketOwner",
        policy: "",
        forceDestroy: state.forceDestroy ?? false,
      };
    case "aws:iam/role:Role":
      return { inlinePolicies: [], managedPolicyArns: [], maxSessionDuration: 3600, path: "/" };
    case "aws:iam/user:User":
      return { path: "/", forceDestroy: false };
    default:
      return {};
  }
}

/**
 * An invoke the provider refuses. The SDK rebuilds the error from its gRPC `details` (a plain
 * Error's message would reach the program empty), worded as the engine words it.
 */
function invokeError(token: string, message: string): Error {
  const text = `invocation of ${token} returned an error: ${message}`;
  return Object.assign(new Error(text), { details: text });
}

/** A physical name the program set that AWS would refuse: `pulumi up` would fail on it. */
export class InvalidNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidNameError";
  }
}

/**
 * Refuses, as AWS would at `pulumi up`, a resource whose inputs set a name its service refuses. A
 * name still unknown (the preview pass) is judged in the update pass, where it is known.
 */
function checkNames(type: string, logicalName: string, inputs: Record<string, unknown>): void {
  const known = Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== UNKNOWN));
  const problem = resourceNameProblem(type, known);
  if (problem) {
    throw new InvalidNameError(`${type} "${logicalName}": ${problem}; AWS would refuse it`);
  }
}

/**
 * Answers the provider functions (invokes) a program calls; undefined for one the mock cloud
 * cannot answer (the engine then says so and leaves its result unknown).
 */
export function mockCall(
  token: string,
  inputs: Record<string, unknown>,
  settings: MockCloudSettings,
): Record<string, unknown> | undefined {
  const { accountId, region } = settings;
  const p = partitionOf(region);
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId,
        arn: `arn:${p}:iam::${accountId}:user/offline-plan`,
        userId: "AIDAOFFLINEPLAN",
        id: accountId,
      };
    case "aws:index/getRegion:getRegion": {
      const r =
        typeof inputs.region === "string"
          ? inputs.region
          : typeof inputs.name === "string"
            ? inputs.name
            : region;
      return { region: r, name: r, id: r, endpoint: `ec2.${r}.amazonaws.com`, description: r };
    }
    case "aws:index/getPartition:getPartition":
      return { partition: p, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: p };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: [], id: region };
    case GET_POLICY_DOCUMENT_TOKEN:
      try {
        return { ...answerGetPolicyDocument(inputs) };
      } catch (error) {
        if (error instanceof PolicyDocumentInvokeError) throw invokeError(token, error.message);
        throw error;
      }
    default:
      return undefined;
  }
}

/** A registration as Pulumi's mocks see it (`pulumi.runtime.MockResourceArgs`). */
export interface MockRegistration {
  type: string;
  name: string;
  custom?: boolean;
  /** The import id, when the resource adopts an existing one. */
  id?: string;
}

/**
 * The mock cloud's answer to a registration: a component resource has no id or state of its own;
 * a custom resource gets the provider's, an adopted one keeping the id it imports.
 */
export function mockRegistration(
  args: MockRegistration,
  urn: string,
  inputs: Record<string, unknown>,
  settings: MockCloudSettings,
): MockResult {
  if (args.custom === false) return { id: undefined, state: {}, secretOutputs: [] };
  const result = mockResource(args.type, args.name, urn, inputs, settings);
  return { ...result, id: args.id || result.id };
}

/**
 * A registration request as the mock monitor receives it (the SDK's gRPC message): its parent
 * and options, which Pulumi's mocks are not shown.
 */
export interface RegistrationRequest {
  getParent(): string;
  getImportid(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDependenciesList(): string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  getPropertydependenciesMap(): any;
}

/**
 * Lets the mocks read the request they are answering. The mock monitor calls the mocks'
 * `newResource` synchronously inside its `registerResource` (and `readResource`), before its
 * first await; each call of the returned function takes that request (undefined once taken).
 */
export function watchRegistrations(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  monitor: any,
): () => RegistrationRequest | undefined {
  let current: RegistrationRequest | undefined;
  for (const method of ["registerResource", "readResource"] as const) {
    const original = monitor[method].bind(monitor);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor[method] = (request: any, callback: any) => {
      current = request;
      const result = original(request, callback);
      current = undefined;
      return result;
    };
  }
  return () => {
    const request = current;
    current = undefined;
    return request;
  };
}

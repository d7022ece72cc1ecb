// The policy pack as the Pulumi CLI runs it (`pulumi preview --policy-pack policies`).
// Constructing a PolicyPack starts a gRPC server: nothing else may import this file.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./all.ts";

new PolicyPack(PACK_NAME, { policies, enforcementLevel: "mandatory" });

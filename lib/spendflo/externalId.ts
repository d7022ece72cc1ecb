/**
 * STS's rule for an external id (`sts:ExternalId`): 2 to 1,224 characters of letters, digits and
 * `+ = , . @ : / - _`. One statement of it, for the sync config, the stack config and the hosted
 * customers (no imports: the policy pack and the exporter's bundle may read it too).
 */
export const EXTERNAL_ID_RULE = {
  pattern: /^[\w+=,.@:/-]{2,1224}$/,
  characters: /^[\w+=,.@:/-]*$/,
  maxLength: 1224,
  message: "must be 2 to 1224 characters of letters, digits and + = , . @ : / - _",
} as const;

/**
 * The tag that says what a principal may do with budget files. The policy pack relies on it:
 * `read-only` marks SpendFlo's readers, `upload` the principals that may write (uploaders,
 * hosted customers).
 */
export const ACCESS_TAG = "spendflo:access";

export const AccessTagValue = {
  ReadOnly: "read-only",
  Upload: "upload",
} as const;

/** Marks a hosted customer's principal with the customer's id. */
export const CUSTOMER_TAG = "spendflo:customer";

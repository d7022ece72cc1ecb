/**
 * S3 naming rules: bucket names (global, so checked before anything is created), budget-file
 * prefixes and the dated key of the guide ("budget_YYYYMMDD.csv").
 */

/** Problems with a general-purpose bucket name under S3's rules; empty when the name is valid. */
export function bucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) {
    problems.push(`must be 3 to 63 characters long (it has ${name.length})`);
  }
  if (!/^[a-z0-9.-]*$/.test(name)) {
    problems.push("may contain only lowercase letters, digits, dots (.) and hyphens (-)");
  }
  if (name.length > 0 && !/^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$/.test(name)) {
    problems.push("must begin and end with a lowercase letter or a digit");
  }
  if (name.includes("..")) problems.push("must not contain two adjacent dots");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push("must not be formatted as an IP address");
  for (const reserved of ["xn--", "sthree-", "amzn-s3-demo-"]) {
    if (name.startsWith(reserved))
      problems.push(`must not start with the reserved prefix "${reserved}"`);
  }
  for (const reserved of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
    if (name.endsWith(reserved))
      problems.push(`must not end with the reserved suffix "${reserved}"`);
  }
  return problems;
}

/** Problems with a budget-file prefix such as `budgets/`; empty when it is usable. */
export function prefixProblems(prefix: string): string[] {
  const problems = prefixFaults(prefix);
  if (problems.length === 0) return problems;
  // One suggestion, and only one that would pass: "/budgets" → "budgets/", not "/budgets/".
  const suggestion = prefix
    .split("/")
    .map((segment) => segment.trim())
    .filter((segment) => segment !== "" && segment !== "." && segment !== "..")
    .join("/");
  if (suggestion !== "" && prefixFaults(`${suggestion}/`).length === 0)
    problems[0] += ` (try "${suggestion}/")`;
  return problems;
}

function prefixFaults(prefix: string): string[] {
  const problems: string[] = [];
  if (prefix.length === 0) {
    problems.push('must not be empty: access is scoped to a prefix such as "budgets/"');
    return problems;
  }
  if (!prefix.endsWith("/")) problems.push('must end with "/"');
  if (prefix.startsWith("/"))
    problems.push('must not start with "/": S3 keys have no leading slash');
  if (prefix.includes("//")) problems.push('must not contain an empty segment ("//")');
  const segments = prefix.split("/");
  if (segments.some((segment) => segment === "." || segment === "..")) {
    problems.push(
      'must not contain a "." or ".." segment: S3 keeps it as a name, while tools that tidy paths read another folder',
    );
  }
  const spaced = segments.find((segment) => segment !== segment.trim());
  if (spaced !== undefined) {
    problems.push(
      `must not have a space at the start or end of a segment ("${spaced}"): S3 would keep the space, a second prefix that looks the same`,
    );
  }
  if (/\p{Cf}/u.test(prefix)) {
    problems.push(
      "must not contain an invisible character (a zero-width space, a byte-order mark...): the prefix would look like another one and match none of its files",
    );
  }
  if (/[*?]|\$\{/.test(prefix)) {
    problems.push(
      'must not contain "*", "?" or "${": they are wildcards and variables in IAM policies',
    );
  }
  // S3's "characters to avoid" in keys, and control characters.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
  if (/[\u0000-\u001f\u007f\\{}^%`[\]"<>~#|]/.test(prefix)) {
    problems.push(
      "must not contain a control character or any of \\ { } ^ % ` [ ] \" < > ~ # | (S3's characters to avoid in keys)",
    );
  }
  if (prefix.includes("+")) {
    problems.push('must not contain "+": some tools read it as a space in an S3 key');
  }
  if (prefix.length > 512) problems.push("must be at most 512 characters long");
  return problems;
}

/** The guide's dated key: `<prefix>budget_<YYYYMMDD>.<ext>`. */
export function budgetFileKey(prefix: string, date: Date, extension: "csv" | "xlsx"): string {
  const yyyymmdd = date.toISOString().slice(0, 10).replaceAll("-", "");
  return `${prefix}budget_${yyyymmdd}.${extension}`;
}

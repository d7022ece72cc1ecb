/**
 * Which budget file is the newest: the one whose `budget_YYYYMMDD` name carries the latest date,
 * the upload time (LastModified) breaking ties. The name is what the export dates; the upload
 * time is not (a file re-sent with `upload --date` for an earlier day is uploaded last, yet is
 * not the newest budget).
 */

/** A file as a listing gives it. */
export interface ListedFile {
  key: string;
  lastModified?: Date;
}

/** The guide's file name, directly under the prefix: `budget_YYYYMMDD.csv` or `.xlsx`. */
const DATED_NAME = /^budget_(\d{8})\.(csv|xlsx)$/;

/** The YYYYMMDD of a key named `<prefix>budget_YYYYMMDD.<csv|xlsx>`, or undefined. */
export function budgetFileDate(key: string, prefix: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  return DATED_NAME.exec(key.slice(prefix.length))?.[1];
}

export interface NewestBudgetFile<T extends ListedFile> {
  /** The newest by the date in its name (ties: the later upload, then the later key). */
  newest: T;
  /** The file uploaded last, when that is not `newest`: the two orders disagree. */
  uploadedLast?: T;
}

/** The newest of the budget-named files among `files`; undefined when none is so named. */
export function newestBudgetFile<T extends ListedFile>(
  files: readonly T[],
  prefix: string,
): NewestBudgetFile<T> | undefined {
  let newest: T | undefined;
  let newestDate = "";
  let uploadedLast: T | undefined;
  const time = (file: T) => file.lastModified?.getTime() ?? 0;
  for (const file of files) {
    const date = budgetFileDate(file.key, prefix);
    if (date === undefined) continue;
    if (
      newest === undefined ||
      date > newestDate ||
      (date === newestDate &&
        (time(file) > time(newest) || (time(file) === time(newest) && file.key > newest.key)))
    ) {
      newest = file;
      newestDate = date;
    }
    if (uploadedLast === undefined || time(file) > time(uploadedLast)) uploadedLast = file;
  }
  if (newest === undefined) return undefined;
  return uploadedLast !== undefined && uploadedLast !== newest && time(uploadedLast) > time(newest)
    ? { newest, uploadedLast }
    : { newest };
}

/** What to say when the file uploaded last is not the newest by its name. */
export function ordersDisagreeNote(newest: ListedFile, uploadedLast: ListedFile): string {
  return `${uploadedLast.key} was uploaded last (${uploadedLast.lastModified?.toISOString() ?? "at an unknown time"}), but ${newest.key} has the later date in its name, so it is the newest: a file's budget_YYYYMMDD date, not its upload time, says which budget is current (a file uploaded with --date for an earlier day does not replace a later one)`;
}

/**
 * AWS's schedule expressions (EventBridge Scheduler and scheduled rules), read and counted:
 * `rate(N minute|minutes|hour|hours|day|days)` and the six-field `cron(minutes hours day-of-month
 * month day-of-week year)`, with AWS's `?`, `L`, `W` and `#`. A small evaluator of our own: the npm
 * cron libraries read the five- or six-field Unix and Quartz forms (seconds first, no year field),
 * and the one written for AWS parses leniently (`5x` is 5) and pulls in a runtime dependency.
 * It answers what the config and the cost estimate need: is the expression valid, can it ever
 * fire, how many runs (and on how many days) an average month has, and how close two runs come.
 */

/** The average month: 365.25 / 12 days. */
export const DAYS_PER_MONTH = 365.25 / 12;

const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The last year AWS's cron accepts. */
const LAST_YEAR = 2199;

interface DayOfMonthSpec {
  kind: "day-of-month";
  days: Set<number>;
  /** `L` (0) and `L-n` (n): the last day of the month, less n. */
  lastOffsets: number[];
  /** `LW`: the last weekday (Monday to Friday) of the month. */
  lastWeekday: boolean;
  /** `nW`: the weekday nearest to day n, within the month. */
  nearestWeekday: number[];
}

interface DayOfWeekSpec {
  kind: "day-of-week";
  /** 1 (Sunday) to 7 (Saturday). */
  days: Set<number>;
  /** `nL`: the last such weekday of the month. */
  lastOf: number[];
  /** `n#k`: the k-th such weekday of the month. */
  nth: [number, number][];
}

export interface CronSchedule {
  kind: "cron";
  minutes: number[];
  hours: number[];
  day: DayOfMonthSpec | DayOfWeekSpec;
  months: Set<number>;
  years: Set<number>;
}

export interface RateSchedule {
  kind: "rate";
  /** Minutes between runs. */
  everyMinutes: number;
}

export type Schedule = CronSchedule | RateSchedule;

export class ScheduleError extends Error {}

/** Parses a schedule expression; throws ScheduleError with a message naming what is wrong. */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return parseRate(expression, rate[1]!);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return parseCron(expression, cron[1]!);
  throw new ScheduleError(
    `"${expression}" must be cron(...) or rate(...), e.g. cron(0 2 * * ? *) or rate(1 day)`,
  );
}

function parseRate(expression: string, body: string): RateSchedule {
  const m = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body.trim());
  if (!m || body !== body.trim()) {
    throw new ScheduleError(
      `"${expression}" must be rate(<number> <unit>) with unit minute(s), hour(s) or day(s), e.g. rate(1 day)`,
    );
  }
  const n = Number(m[1]);
  const unit = m[2]!;
  if (n < 1) throw new ScheduleError(`"${expression}" must count at least 1`);
  if (n === 1 && unit.endsWith("s"))
    throw new ScheduleError(`"${expression}": write rate(1 ${unit.slice(0, -1)})`);
  if (n > 1 && !unit.endsWith("s"))
    throw new ScheduleError(`"${expression}": write rate(${n} ${unit}s)`);
  const perUnit = unit.startsWith("minute") ? 1 : unit.startsWith("hour") ? 60 : 1440;
  return { kind: "rate", everyMinutes: n * perUnit };
}

const FIELD_NAMES = ["minutes", "hours", "day-of-month", "month", "day-of-week", "year"];

function parseCron(expression: string, body: string): CronSchedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6 || body.trim() === "") {
    throw new ScheduleError(
      `"${expression}" must have six fields (minutes hours day-of-month month day-of-week year), e.g. cron(0 2 * * ? *)`,
    );
  }
  const [min, hour, dom, month, dow, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const where = (i: number) => `"${expression}", ${FIELD_NAMES[i]} "${fields[i]}"`;
  if ((dom === "?") === (dow === "?")) {
    throw new ScheduleError(
      `"${expression}": one of day-of-month and day-of-week must be "?" and the other not (AWS cannot take both)`,
    );
  }
  const minutes = [...numbers(min, 0, 59, where(0))].sort((a, b) => a - b);
  const hours = [...numbers(hour, 0, 23, where(1))].sort((a, b) => a - b);
  const months = numbers(month, 1, 12, where(3), MONTH_NAMES);
  const years = numbers(year, 1970, LAST_YEAR, where(5));
  const day = dom !== "?" ? dayOfMonth(dom, where(2)) : dayOfWeek(dow, where(4));
  return { kind: "cron", minutes, hours, day, months, years };
}

/** A number of a field, or a name (JAN, MON) where the field has names. */
function value(token: string, min: number, max: number, where: string, names?: string[]): number {
  const named = names?.indexOf(token.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + 1 : /^\d+$/.test(token) ? Number(token) : NaN;
  if (Number.isNaN(n)) {
    throw new ScheduleError(
      `${where}: "${token}" is not a number${names ? ` or a name (${names[0]}-${names[names.length - 1]})` : ""}`,
    );
  }
  if (n < min || n > max) throw new ScheduleError(`${where}: ${n} is outside ${min}-${max}`);
  return n;
}

/** `*`, `n`, `a-b`, `*\/s`, `a/s`, `a-b/s`, and lists of them. Ranges may wrap (`FRI-MON`). */
function numbers(field: string, min: number, max: number, where: string, names?: string[]) {
  const out = new Set<number>();
  for (const item of field.split(",")) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) throw new ScheduleError(`${where}: "${item}" is not a value, a range or a step`);
    const [, range, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new ScheduleError(`${where}: a step must be at least 1`);
    let from: number;
    let to: number;
    if (range === "*") {
      from = min;
      to = max;
    } else if (range!.includes("-")) {
      const [a, b, ...rest] = range!.split("-");
      if (rest.length || !a || !b)
        throw new ScheduleError(`${where}: "${range}" is not a range such as 1-5`);
      from = value(a, min, max, where, names);
      to = value(b, min, max, where, names);
    } else {
      from = value(range!, min, max, where, names);
      to = stepText === undefined ? from : max;
    }
    const span = to >= from ? to - from : max - from + (to - min) + 1;
    for (let k = 0; k <= span; k += step) out.add(((from - min + k) % (max - min + 1)) + min);
  }
  return out;
}

function dayOfMonth(field: string, where: string): DayOfMonthSpec {
  const spec: DayOfMonthSpec = {
    kind: "day-of-month",
    days: new Set(),
    lastOffsets: [],
    lastWeekday: false,
    nearestWeekday: [],
  };
  if (field === "LW") spec.lastWeekday = true;
  else if (field === "L") spec.lastOffsets.push(0);
  else if (/^L-\d+$/.test(field)) {
    const n = Number(field.slice(2));
    if (n > 30) throw new ScheduleError(`${where}: L-${n} is before the first of any month`);
    spec.lastOffsets.push(n);
  } else if (/^\d+W$/.test(field))
    spec.nearestWeekday.push(value(field.slice(0, -1), 1, 31, where));
  else if (/[LW#]/i.test(field)) {
    throw new ScheduleError(
      `${where}: L and W stand alone (L, L-3, LW, 15W), and # is for day-of-week`,
    );
  } else spec.days = numbers(field, 1, 31, where);
  return spec;
}

function dayOfWeek(field: string, where: string): DayOfWeekSpec {
  const spec: DayOfWeekSpec = { kind: "day-of-week", days: new Set(), lastOf: [], nth: [] };
  const lastOf = /^(\w+)L$/.exec(field);
  const nth = /^(\w+)#(\d)$/.exec(field);
  if (field === "L") spec.days.add(7);
  else if (lastOf) spec.lastOf.push(value(lastOf[1]!, 1, 7, where, DAY_NAMES));
  else if (nth) {
    const k = Number(nth[2]);
    if (k < 1 || k > 5) throw new ScheduleError(`${where}: the week of the month must be 1 to 5`);
    spec.nth.push([value(nth[1]!, 1, 7, where, DAY_NAMES), k]);
  } else if (/[#]|W$/.test(field) || /L$/.test(field)) {
    throw new ScheduleError(`${where}: L and # stand alone (6L, 2#1), and W is for day-of-month`);
  } else spec.days = numbers(field, 1, 7, where, DAY_NAMES);
  return spec;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 (Sunday) to 7 (Saturday). */
function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const w = weekday(year, month, day);
  return w >= 2 && w <= 6;
}

/** The weekday nearest to `day` within the month (Quartz's and AWS's W), or undefined. */
function nearestWeekdayTo(year: number, month: number, day: number): number | undefined {
  const last = daysIn(year, month);
  if (day > last) return undefined;
  if (isWeekday(year, month, day)) return day;
  const w = weekday(year, month, day);
  if (w === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday before, or Monday after the 1st
  return day === last ? day - 2 : day + 1; // Sunday: Monday after, or Friday before the last
}

/** Does the schedule fire on this day (any time of it)? */
function firesOn(s: CronSchedule, year: number, month: number, day: number): boolean {
  if (!s.years.has(year) || !s.months.has(month)) return false;
  const last = daysIn(year, month);
  const d = s.day;
  if (d.kind === "day-of-month") {
    if (d.days.has(day)) return true;
    if (d.lastOffsets.some((off) => last - off === day)) return true;
    if (d.lastWeekday) {
      let lw = last;
      while (!isWeekday(year, month, lw)) lw--;
      if (lw === day) return true;
    }
    return d.nearestWeekday.some((n) => nearestWeekdayTo(year, month, n) === day);
  }
  const w = weekday(year, month, day);
  if (d.days.has(w)) return true;
  if (d.lastOf.includes(w) && day + 7 > last) return true;
  return d.nth.some(([n, k]) => n === w && Math.ceil(day / 7) === k);
}

/** The first day on or after `from` (UTC) the schedule fires, as YYYY-MM-DD, or undefined. */
export function firstRunDay(s: Schedule, from: Date): string | undefined {
  if (s.kind === "rate") return from.toISOString().slice(0, 10);
  const y0 = from.getUTCFullYear();
  for (let y = y0; y <= LAST_YEAR; y++) {
    if (!s.years.has(y)) continue;
    for (let m = y === y0 ? from.getUTCMonth() + 1 : 1; m <= 12; m++) {
      if (!s.months.has(m)) continue;
      const startDay = y === y0 && m === from.getUTCMonth() + 1 ? from.getUTCDate() : 1;
      for (let d = startDay; d <= daysIn(y, m); d++) {
        if (firesOn(s, y, m, d)) {
          return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
        }
      }
    }
  }
  return undefined;
}

/** How often a schedule runs: per average month, on how many days, and its shortest gap. */
export interface ScheduleFrequency {
  /** Runs in an average month. */
  runsPerMonth: number;
  /** Days with at least one run in an average month. */
  runDaysPerMonth: number;
  /** The shortest time between two runs, in minutes (Infinity for a schedule that runs once). */
  shortestGapMinutes: number;
}

/**
 * The schedule's frequency, averaged over the four years from the first year it runs in (on or
 * after `from`'s year), counting only months of the years it allows: a leap day and every weekday
 * pattern come round in that span. Times are counted in the schedule's own time zone, so a change
 * of daylight saving time (an hour skipped or repeated twice a year) is not counted.
 */
export function scheduleFrequency(s: Schedule, from = new Date()): ScheduleFrequency {
  if (s.kind === "rate") {
    const runsPerMonth = (DAYS_PER_MONTH * 1440) / s.everyMinutes;
    return {
      runsPerMonth,
      runDaysPerMonth: Math.min(DAYS_PER_MONTH, runsPerMonth),
      shortestGapMinutes: s.everyMinutes,
    };
  }
  const first = firstRunDay(s, from);
  const startYear = first ? Number(first.slice(0, 4)) : from.getUTCFullYear();
  const perDay = s.hours.length * s.minutes.length;
  let runDays = 0;
  let months = 0;
  let consecutive = false;
  let previous = false;
  for (let y = startYear; y < startYear + 4 && y <= LAST_YEAR; y++) {
    if (!s.years.has(y)) {
      previous = false;
      continue;
    }
    for (let m = 1; m <= 12; m++) {
      months++;
      for (let d = 1; d <= daysIn(y, m); d++) {
        const fires = firesOn(s, y, m, d);
        if (fires) runDays++;
        if (fires && previous) consecutive = true;
        previous = fires;
      }
    }
  }
  const times = s.hours.flatMap((h) => s.minutes.map((m) => h * 60 + m));
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  if (consecutive) gap = Math.min(gap, 1440 - times[times.length - 1]! + times[0]!);
  const runDaysPerMonth = months ? runDays / months : 0;
  return { runsPerMonth: runDaysPerMonth * perDay, runDaysPerMonth, shortestGapMinutes: gap };
}

/**
 * Why an expression cannot be used: not valid, or never fires on or after `from` (31 February, a
 * year gone by). Undefined when it is usable.
 */
export function scheduleProblem(expression: string, from = new Date()): string | undefined {
  let schedule: Schedule;
  try {
    schedule = parseSchedule(expression);
  } catch (error) {
    if (error instanceof ScheduleError) return error.message;
    throw error;
  }
  if (firstRunDay(schedule, from) === undefined) {
    return `"${expression}" never fires (no day from ${from.toISOString().slice(0, 10)} to ${LAST_YEAR} matches its day, month and year fields): the export would never run`;
  }
  return undefined;
}

/**
 * A warning for a schedule that runs more often than hourly: each run of the exporter replaces the
 * day's file (`budget_<YYYYMMDD>.csv`), and every replaced one is kept as a noncurrent version.
 */
export function frequentScheduleWarning(expression: string, from = new Date()): string | undefined {
  let schedule: Schedule;
  try {
    schedule = parseSchedule(expression);
  } catch {
    return undefined;
  }
  const f = scheduleFrequency(schedule, from);
  if (f.shortestGapMinutes >= 60) return undefined;
  return `"${expression}" runs as often as every ${f.shortestGapMinutes} minute${f.shortestGapMinutes === 1 ? "" : "s"} (about ${Math.round(f.runsPerMonth).toLocaleString("en-US")} runs a month): each run replaces the day's file budget_<YYYYMMDD>.csv, and every replaced one stays as a noncurrent version until noncurrentRetentionDays; SpendFlo reads one file a day, so once a day is enough`;
}

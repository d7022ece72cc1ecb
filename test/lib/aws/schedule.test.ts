import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DAYS_PER_MONTH,
  firstRunDay,
  frequentScheduleWarning,
  parseSchedule,
  scheduleFrequency,
  scheduleProblem,
} from "../../../lib/aws/schedule.ts";

const NOW = new Date(Date.UTC(2026, 11, 5, 17, 0)); // Saturday 5 December 2026
const freq = (expression: string) => scheduleFrequency(parseSchedule(expression), NOW);

describe("schedule expressions: what AWS accepts", () => {
  it.each([
    "cron(0 2 * * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0 8 ? * MON-FRI *)",
    "cron(30 6 ? * mon,wed,fri *)",
    "cron(0 0 L * ? *)",
    "cron(0 0 L-2 * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(0 0 15W * ? *)",
    "cron(0 0 ? * 6L *)",
    "cron(0 0 ? * 2#1 *)",
    "cron(0 22-2 * * ? *)",
    "cron(0 12 1 JAN-MAR ? 2027-2030)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
  ])("accepts %s", (expression) => {
    expect(scheduleProblem(expression, NOW)).toBeUndefined();
  });

  it.each([
    ["cron(0 2 * * *)", "must have six fields"],
    ["cron(0 2 * * * *)", 'one of day-of-month and day-of-week must be "?"'],
    ["cron(0 2 ? * ? *)", 'one of day-of-month and day-of-week must be "?"'],
    ["cron(60 2 * * ? *)", 'minutes "60": 60 is outside 0-59'],
    ["cron(0 24 * * ? *)", 'hours "24": 24 is outside 0-23'],
    ["cron(0 2 32 * ? *)", 'day-of-month "32": 32 is outside 1-31'],
    ["cron(0 2 * FOO ? *)", 'month "FOO": "FOO" is not a number or a name (JAN-DEC)'],
    ["cron(0 2 ? * 8 *)", 'day-of-week "8": 8 is outside 1-7'],
    ["cron(5x 2 * * ? *)", '"5x" is not a number'],
    ["cron(0/0 2 * * ? *)", "a step must be at least 1"],
    ["cron(0 2 * * ? 2200)", "2200 is outside 1970-2199"],
    ["cron(0 2 ? * 2#6 *)", "the week of the month must be 1 to 5"],
    ["cron(0 2 1W,15 * ? *)", "L and W stand alone"],
    ["rate(0 minutes)", "must count at least 1"],
    ["rate(1 minutes)", "write rate(1 minute)"],
    ["rate(2 hour)", "write rate(2 hours)"],
    ["rate(30 seconds)", "must be rate(<number> <unit>)"],
    ["every day", "must be cron(...) or rate(...)"],
  ])("refuses %s: %s", (expression, message) => {
    expect(scheduleProblem(expression, NOW)).toContain(message);
  });

  it.each([
    ["cron(0 2 31 2 ? *)", "31 February"],
    ["cron(0 2 30 FEB ? *)", "30 February"],
    ["cron(0 2 31 4,6,9,11 ? *)", "31st of a 30-day month"],
    ["cron(0 2 * * ? 2025)", "a year gone by"],
    ["cron(0 2 ? FEB 2#5 2027)", "a fifth Monday in a February without one"],
  ])("refuses %s, which never fires (%s)", (expression) => {
    expect(scheduleProblem(expression, NOW)).toBe(
      `"${expression}" never fires (no day from 2026-12-05 to 2199 matches its day, month and year fields): the export would never run`,
    );
  });

  it("finds 29 February in the next leap year, and a fifth Monday in a February that has one", () => {
    expect(firstRunDay(parseSchedule("cron(0 2 29 2 ? *)"), NOW)).toBe("2028-02-29");
    // February 2044 starts on a Monday and is a leap month: its 29th is a fifth Monday.
    expect(firstRunDay(parseSchedule("cron(0 2 ? 2 2#5 *)"), NOW)).toBe("2044-02-29");
  });

  it("reads L, LW, W, nL and # as AWS does", () => {
    const days = (expression: string, y: number, m: number) => {
      const s = parseSchedule(expression);
      const out: number[] = [];
      for (let d = 1; d <= new Date(Date.UTC(y, m, 0)).getUTCDate(); d++) {
        if (
          firstRunDay(s, new Date(Date.UTC(y, m - 1, d))) ===
          `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`
        )
          out.push(d);
      }
      return out;
    };
    // May 2027: Saturday the 1st, Monday the 31st.
    expect(days("cron(0 0 L * ? *)", 2027, 5)).toEqual([31]);
    expect(days("cron(0 0 L-2 * ? *)", 2027, 5)).toEqual([29]);
    expect(days("cron(0 0 LW * ? *)", 2027, 5)).toEqual([31]);
    expect(days("cron(0 0 1W * ? *)", 2027, 5)).toEqual([3]); // Saturday 1st: Monday 3rd, not April
    expect(days("cron(0 0 16W * ? *)", 2027, 5)).toEqual([17]); // Sunday 16th: Monday 17th
    expect(days("cron(0 0 ? * 6L *)", 2027, 5)).toEqual([28]); // last Friday
    expect(days("cron(0 0 ? * 2#1 *)", 2027, 5)).toEqual([3]); // first Monday
    expect(days("cron(0 0 ? * MON-FRI *)", 2027, 5)).toHaveLength(21);
    expect(days("cron(0 0 ? * FRI-MON *)", 2027, 5)).toEqual([
      1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 17, 21, 22, 23, 24, 28, 29, 30, 31,
    ]);
  });
});

describe("how often a schedule runs", () => {
  it("counts the guide's daily run as 365.25 / 12 runs a month, on as many days", () => {
    const f = freq("cron(0 2 * * ? *)");
    expect(f.runsPerMonth).toBeCloseTo(DAYS_PER_MONTH, 10);
    expect(f.runDaysPerMonth).toBeCloseTo(DAYS_PER_MONTH, 10);
    expect(f.shortestGapMinutes).toBe(1440);
    expect(freq("rate(1 day)").runsPerMonth).toBeCloseTo(DAYS_PER_MONTH, 10);
  });

  it("counts rate(1 minute) as 43,830 runs a month, not 30", () => {
    const f = freq("rate(1 minute)");
    expect(f.runsPerMonth).toBeCloseTo(43_830, 6);
    expect(f.runDaysPerMonth).toBeCloseTo(DAYS_PER_MONTH, 10);
    expect(f.shortestGapMinutes).toBe(1);
    expect(freq("cron(* * * * ? *)").runsPerMonth).toBeCloseTo(43_830, 6);
  });

  it("counts weekdays, weeks and months", () => {
    // 4 years of weekdays: 1,043 or 1,044 of 1,461 days.
    expect(freq("cron(0 8 ? * MON-FRI *)").runsPerMonth).toBeGreaterThan(21.7);
    expect(freq("cron(0 8 ? * MON-FRI *)").runsPerMonth).toBeLessThan(21.8);
    expect(freq("cron(0 8 ? * MON *)").runsPerMonth).toBeCloseTo((DAYS_PER_MONTH / 7) * 1, 1);
    expect(freq("cron(0 8 1 * ? *)").runsPerMonth).toBe(1);
    expect(freq("cron(0 8 1 1 ? *)").runsPerMonth).toBeCloseTo(1 / 12, 10);
    expect(freq("rate(7 days)").runDaysPerMonth).toBeCloseTo(DAYS_PER_MONTH / 7, 10);
  });

  it("counts a schedule limited to some years over its own months only", () => {
    expect(freq("cron(0 2 * * ? 2027)").runsPerMonth).toBeCloseTo(365 / 12, 10);
  });

  it("finds the shortest gap within a day and across midnight", () => {
    expect(freq("cron(0,50 * * * ? *)").shortestGapMinutes).toBe(10);
    expect(freq("cron(0 1,13 * * ? *)").shortestGapMinutes).toBe(720);
    expect(freq("cron(30 23 * * ? *)").shortestGapMinutes).toBe(1440);
    expect(freq("cron(10 0,23 * * ? *)").shortestGapMinutes).toBe(60);
    expect(freq("cron(50 0,23 * * ? *)").shortestGapMinutes).toBe(60);
    expect(freq("cron(40 0 ? * MON *)").shortestGapMinutes).toBe(Infinity);
  });

  it("warns of a schedule more frequent than hourly, and of nothing hourly or slower", () => {
    expect(frequentScheduleWarning("rate(1 minute)", NOW)).toBe(
      '"rate(1 minute)" runs as often as every 1 minute (about 43,830 runs a month): each run replaces the day\'s file budget_<YYYYMMDD>.csv, and every replaced one stays as a noncurrent version until noncurrentRetentionDays; SpendFlo reads one file a day, so once a day is enough',
    );
    expect(frequentScheduleWarning("cron(0/30 * * * ? *)", NOW)).toContain("every 30 minutes");
    for (const ok of ["rate(1 hour)", "cron(0 * * * ? *)", "cron(0 2 * * ? *)", "rate(1 day)"]) {
      expect(frequentScheduleWarning(ok, NOW), ok).toBeUndefined();
    }
  });

  it("agrees with a brute-force count of every minute for random hour and minute lists", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 28 }),
        (minutes, hours, dom) => {
          const expression = `cron(${minutes.join(",")} ${hours.join(",")} ${dom} * ? *)`;
          const f = scheduleFrequency(parseSchedule(expression), NOW);
          // The dom-th of every month: once a month, hours x minutes times.
          expect(f.runsPerMonth).toBe(minutes.length * hours.length);
          const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
          const gaps = times.slice(1).map((t, i) => t - times[i]!);
          expect(f.shortestGapMinutes).toBe(gaps.length ? Math.min(...gaps) : Infinity);
        },
      ),
    );
  });
});

/**
 * The review page in a real browser (Debian's chromium through playwright-core), as a customer's
 * security reviewer opens it from an email: for each example stack, and for a program that grants
 * SpendFlo writes. The summary lines and the marked rows are checked as a person sees them
 * (visible text, roles), with no console error (a CSP violation is one) and no request beyond the
 * file itself. Screenshots and a printed PDF go to test-results/browser/.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanTarget } from "../../cli/plan/computePlan.ts";
import { computeReview } from "../../cli/commands/review.ts";
import type { Review } from "../../cli/review/contract.ts";
import { reviewHtml } from "../../cli/review/html.ts";
import { launchChromium, type Chromium } from "../helpers/chromium.ts";
import { REPO } from "../helpers/cli.ts";

const OUT = path.join(REPO, "test-results/browser");
const WRITES = path.join(REPO, "test/fixtures/programs/spendflo-writes");

const STACKS = readdirSync(path.join(REPO, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

const CASES: { name: string; options: PlanTarget }[] = [
  ...STACKS.map((stack) => ({ name: stack, options: { stack } })),
  {
    name: "spendflo-writes",
    options: { program: WRITES, policyConfig: path.join(WRITES, "policy-config.json") },
  },
];

/** The one browser global the page test reads (the project's TypeScript has no DOM library). */
interface BrowserWindow {
  getComputedStyle: (element: unknown) => { backgroundColor: string };
}

let browser: Chromium;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Opens a review's page from a file, recording console errors and every request it makes. */
async function open(name: string, review: Review) {
  const file = path.join(OUT, `${name}.html`);
  writeFileSync(file, reviewHtml(review));
  const page = await browser.context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => requests.push(r.url()));
  const url = `file://${file}`;
  await page.goto(url);
  return { page, errors, requests, url };
}

/** The rows of the grants tables whose access cell a person sees marked ⚠. */
async function markedRows(page: Page) {
  return page
    .getByRole("table")
    .filter({ has: page.getByRole("columnheader", { name: "Through" }) })
    .getByRole("row")
    .filter({ hasText: "⚠" })
    .allInnerTexts();
}

describe("the review page in chromium", () => {
  it.each(CASES)("$name", async ({ name, options }) => {
    const { review } = await computeReview(options);
    const { page, errors, requests, url } = await open(name, review);
    try {
      await expect
        .poll(() => page.getByRole("heading", { level: 1 }).innerText())
        .toBe(`Access review of stack ${review.stack}`);

      // The summary, one visible line per principal, each marked as it is.
      const summary = page.getByRole("region", { name: "Who can do what" }).getByRole("listitem");
      const lines = await summary.allInnerTexts();
      expect(lines).toHaveLength(review.summary.length);
      review.summary.forEach((line, i) => {
        expect(lines[i]).toBe(`${line.writes ? "WRITES" : "READ ONLY"}${line.text}`);
      });

      // Each write-level grant row is marked where a person sees it; no other row is.
      const writeRows = review.principals.flatMap((p) => [
        ...new Set(
          p.grants
            .filter((g) => !["List", "Read"].includes(g.level))
            .map((g) => JSON.stringify([g.level, g.where, g.conditions, g.source])),
        ),
      ]).length;
      const marked = await markedRows(page);
      expect(marked).toHaveLength(writeRows);
      for (const row of marked) expect(row).toMatch(/⚠ (Write|Permissions management|Tagging)/);

      // The pack's verdict, stack, account, region and time are on the page.
      const meta = await page.locator("dl.meta").innerText();
      expect(meta).toContain(review.region);
      expect(meta).toContain(review.accountId);
      expect(meta).toContain("offline placeholder, not your account");
      expect(meta).toMatch(/Made\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      const verdicts = page
        .getByRole("table")
        .filter({ has: page.getByRole("columnheader", { name: "Verdict" }) });
      expect(await verdicts.getByRole("row").count()).toBe(review.verdicts.length + 1);
      await expect
        .poll(() => page.getByRole("region", { name: "What this review cannot see" }).innerText())
        .toContain("IAM Access Analyzer");

      await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await page.close();
    }
  });

  it("own-bucket: SpendFlo can list and read one prefix and nothing else; nothing is marked", async () => {
    const { review } = await computeReview({ stack: "own-bucket" });
    const { page } = await open("own-bucket-summary", review);
    try {
      const lines = await page
        .getByRole("region", { name: "Who can do what" })
        .getByRole("listitem")
        .allInnerTexts();
      expect(lines).toEqual([
        "READ ONLYSpendFlo: list and read under budgets/, as IAM user spendflo-budget-sync-own-bucket with an access key; no write",
      ]);
      expect(await markedRows(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("spendflo-writes: SpendFlo's writes are marked, in the summary and in the tables", async () => {
    const { review } = await computeReview(CASES.at(-1)!.options);
    const { page } = await open("spendflo-writes-marks", review);
    try {
      const spendflo = page
        .getByRole("region", { name: "Who can do what" })
        .getByRole("listitem")
        .filter({ hasText: /^Writes\s*SpendFlo/i });
      expect(await spendflo.count()).toBeGreaterThanOrEqual(4);
      const rows = await markedRows(page);
      expect(rows.some((r) => r.includes("budget-reader") && r.includes("s3:DeleteObject"))).toBe(
        true,
      );
      expect(
        rows.some((r) => r.includes("account 999988887777") && r.includes("s3:PutObject")),
      ).toBe(true);
      // Printed, it keeps the marks and the headers; saved as the PDF a reviewer would sign.
      await page.emulateMedia({ media: "print" });
      const background = await page
        .locator("ul.summary li.write")
        .first()
        .evaluate(
          (li) => (globalThis as unknown as BrowserWindow).getComputedStyle(li).backgroundColor,
        );
      expect(background).toBe("rgb(253, 236, 234)");
      const pdf = await page.pdf({
        path: path.join(OUT, "spendflo-writes.pdf"),
        format: "A4",
        landscape: true,
        printBackground: true,
      });
      expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    } finally {
      await page.close();
    }
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileStore } from "../../src/store/file/file-store.js";
import { FIXTURES, browserMissing, launchChromium, removeTemps, runScript, screenshotPath, startUi, tempState, type UiProcess } from "./helpers.js";

if (browserMissing !== undefined) console.warn(`skipping the dashboard's browser tests: ${browserMissing}`);

interface FixtureModule {
  approval: unknown;
  createEngine(options: { dir: string; workflows: unknown[] }): {
    start(workflow: unknown, input: unknown): Promise<{ runId: string; result(): Promise<unknown>; stream(): AsyncIterable<{ type: string }> }>;
    close(): Promise<void>;
  };
}

describe.skipIf(browserMissing !== undefined)("steplog ui in Chromium", () => {
  let browser: Browser;
  const uis: UiProcess[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await Promise.all(uis.map((ui) => ui.stop()));
    await browser?.close();
    removeTemps();
  });

  async function open(dir: string, hash = ""): Promise<{ page: Page; ui: UiProcess; problems: string[] }> {
    const ui = await startUi(dir);
    uis.push(ui);
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => void (message.type() === "error" && problems.push(message.text())));
    page.on("dialog", (dialog) => void (problems.push(`dialog: ${dialog.message()}`), dialog.dismiss()));
    await page.goto(ui.url + hash);
    return { page, ui, problems };
  }

  it("lists runs with counts, opens a run and shows its steps, attempts and typed values", async () => {
    const { dir } = tempState();
    expect((await runScript("showcase", dir, ["--input", JSON.stringify({ to: "ops@example.com" })])).code).toBe(0);
    const { page, problems } = await open(dir);
    await page.locator("#runs tbody tr").first().waitFor();
    expect(await page.locator("#runs tbody tr").count()).toBe(1);
    expect(await page.locator('.chip[data-status="completed"] .count').textContent()).toBe("1");
    expect(await page.locator('.chip[data-status="failed"] .count').textContent()).toBe("0");
    await page.locator("#runs tbody tr a").click();
    await page.locator("#timeline").waitFor();
    expect(await page.locator(".tl-row .step-name").allTextContents()).toEqual(["fetch rows", "send report"]);
    expect(await page.locator(".page-run").getAttribute("data-status")).toBe("completed");
    await page.locator('.tl-row[data-key="send report"]').click();
    const sendDetails = page.locator(".tl-call", { has: page.locator('.tl-row[data-key="send report"]') }).locator(".tl-details");
    expect(await sendDetails.textContent()).toContain("attempt 1");
    expect(await sendDetails.textContent()).toContain("smtp timeout");
    await page.locator('.tl-row[data-key="fetch rows"]').click();
    const value = await page.locator(".tl-call", { has: page.locator('.tl-row[data-key="fetch rows"]') }).locator(".value").textContent();
    expect(value).toContain("Date(2026-11-22T03:00:00.000Z)");
    expect(value).toContain(`"eu" => 12n`);
    expect(value).toContain(`"us" => ${2n ** 70n}n`);
    expect(value).toContain(`Set(2) { "nightly", "report" }`);
    expect(await page.locator("#output .value").textContent()).toContain(`"ops@example.com"`);
    await page.screenshot({ path: screenshotPath("run-completed"), fullPage: true });
    await page.locator('nav a[data-page="runs"]').click();
    await page.locator('.chip[data-status="failed"]').click();
    await page.locator(".empty").waitFor();
    expect(await page.locator(".empty").textContent()).toContain("No runs match");
    expect(problems).toEqual([]);
  });

  it("approves a waiting run from the form and follows it to completion live, without a reload", async () => {
    const { dir } = tempState();
    const fixtures = (await import(path.join(FIXTURES, "workflows.mjs"))) as FixtureModule;
    const engine = fixtures.createEngine({ dir, workflows: [fixtures.approval] });
    try {
      const handle = await engine.start(fixtures.approval, { title: "Q4 report" });
      for await (const event of handle.stream()) if (event.type === "run:wait") break;
      const { page, problems } = await open(dir, "#/waiting");
      const card = page.locator(`#waiting > article[data-run-id="${handle.runId}"]`);
      await card.waitFor();
      expect(await card.locator(".event-name").textContent()).toBe("approve");
      await card.locator(`a[href="#/run/${handle.runId}"]`).click();
      const form = page.locator("#wait form");
      await form.waitFor();
      await page.evaluate(() => ((globalThis as unknown as { probe: string }).probe = "same document"));
      const data = form.locator("textarea");
      await data.fill('{"ok": tru');
      expect(await form.locator(".check").textContent()).toContain("not JSON");
      expect(await form.locator("button").isDisabled()).toBe(true);
      await data.fill('{"ok": true, "by": "ada <admin>"}');
      expect(await form.locator(".check").textContent()).toBe("valid JSON");
      await page.screenshot({ path: screenshotPath("run-waiting"), fullPage: true });
      await form.locator("button").click();
      await page.locator('.page-run[data-status="completed"]').waitFor({ timeout: 20_000 });
      expect(await handle.result()).toEqual({ published: { ok: true, by: "ada <admin>" } });
      expect(await page.locator(".tl-row .step-name").allTextContents()).toEqual(["draft", "approve", "publish"]);
      expect(await page.locator("#output .value").textContent()).toContain(`"ada <admin>"`);
      expect(await page.evaluate(() => (globalThis as unknown as { probe?: string }).probe)).toBe("same document");
      await page.screenshot({ path: screenshotPath("run-approved"), fullPage: true });
      await page.locator('nav a[data-page="waiting"]').click();
      await page.getByText("No run is waiting").waitFor();
      expect(problems).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it("redrives a dead-lettered step: the entry's script runs again and the entry turns redriven live", async () => {
    const { root, dir } = tempState();
    const okMarker = path.join(root, "card-ok");
    expect((await runScript("charge", dir, ["--input", JSON.stringify({ okMarker })])).code).toBe(30);
    const { page, ui, problems } = await open(dir, "#/dlq");
    const card = page.locator("#dlq .card");
    await card.waitFor();
    expect(await card.locator(".step-name").textContent()).toBe("charge card");
    expect(await card.locator(".error-head").textContent()).toContain("card declined <b>for now</b>");
    expect(await card.locator(".badge").textContent()).toBe("open");
    await page.screenshot({ path: screenshotPath("dlq-open"), fullPage: true });
    fs.writeFileSync(okMarker, "");
    await card.locator("button", { hasText: "Redrive" }).click();
    await page.locator('#dlq .card .badge:text-is("redriven")').waitFor({ timeout: 30_000 });
    expect(await card.locator("button").count()).toBe(0);
    expect(ui.stderr()).toContain("--run-id");
    await card.locator("a.mono").click();
    await page.locator('.page-run[data-status="completed"]').waitFor();
    expect(await page.locator("#output .value").textContent()).toBe(`"charged"`);
    expect(problems).toEqual([]);
  });

  it("renders step names, outputs and results containing markup as text", async () => {
    const { dir } = tempState();
    expect((await runScript("hostile", dir)).code).toBe(0);
    const { page, problems } = await open(dir);
    await page.locator("#runs tbody tr a").click();
    await page.locator("#timeline").waitFor();
    expect(await page.locator(".tl-row .step-name").allTextContents()).toEqual([
      "<script>window.__xss = 1</script>",
      `<img src=x onerror="window.__xss = 3">`,
    ]);
    await page.locator(".tl-row").first().click();
    expect(await page.locator(".tl-details .value").textContent()).toBe(JSON.stringify(`<img src=x onerror="window.__xss = 2">`));
    expect(await page.locator("#output .value").textContent()).toBe(JSON.stringify("</pre><script>window.__xss = 4</script>"));
    expect(await page.locator("main script, main img").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.screenshot({ path: screenshotPath("hostile-names"), fullPage: true });
    expect(problems).toEqual([]);
  });

  it("shows circuit breakers: open until when, half-open, closed", async () => {
    const { dir } = tempState();
    const store = createFileStore({ dir });
    const now = Date.now();
    await store.breakers.save("payments-api", { state: "open", openUntil: now + 3_600_000, failures: 5, updatedAt: now });
    await store.breakers.save("mail", { state: "half-open", openUntil: null, failures: 2, updatedAt: now });
    await store.breakers.save("search", { state: "closed", openUntil: null, failures: 0, updatedAt: now });
    const { page, problems } = await open(dir, "#/breakers");
    await page.locator("#breakers tbody tr").first().waitFor();
    const state = (name: string) => page.locator(`#breakers tr[data-breaker="${name}"] .badge`).textContent();
    expect(await state("payments-api")).toBe("open");
    expect(await state("mail")).toBe("half-open");
    expect(await state("search")).toBe("closed");
    expect(await page.locator('#breakers tr[data-breaker="payments-api"]').textContent()).toMatch(/\(in (1h 0m|59m \d+s)\)/);
    await store.breakers.save("search", { state: "open", openUntil: now + 60_000, failures: 3, updatedAt: now });
    await page.locator('#breakers tr[data-breaker="search"] .badge:text-is("open")').waitFor();
    await page.screenshot({ path: screenshotPath("breakers"), fullPage: true });
    expect(problems).toEqual([]);
  });
});

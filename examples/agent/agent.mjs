// An agent-style workflow with only local code (no network, no model): it plans, acts with tools, stops to
// ask a person a question, and continues with the answer. Every thought and every tool call is a step, so a
// crash or a deploy in the middle resumes where it stopped, and the wait for the person costs no process.
//
//   node examples/agent/agent.mjs --input '{"goal":"summarize the notes","notes":"examples/agent/notes"}'
//     ... exits 40 (waiting) and prints the question and the command that answers it:
//   node examples/agent/agent.mjs answer <runId> "release.txt"
//   node examples/agent/agent.mjs --run-id <runId>
//
// The "model" is `think`, a pure function of the agent's memory; put a real LLM call there, inside a step,
// and its answers are journaled like any other result (a replay does not ask the model again).
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createFileStore, workflow } from "steplog";

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.relative(process.cwd(), fileURLToPath(import.meta.url));

/** Decides the next action from what the agent knows so far. */
function think(memory) {
  if (!memory.files) return { tool: "list", reason: "find the notes" };
  const unread = memory.files.find((f) => !(f in memory.read));
  if (unread) return { tool: "read", file: unread, reason: `read ${unread}` };
  if (!memory.focus) return { tool: "ask", question: `Which note should the summary lead with? (${memory.files.join(", ")})`, reason: "ask the person" };
  if (!memory.written) return { tool: "write", reason: "write the summary" };
  return { tool: "done", reason: "the summary is written" };
}

/** The tools: plain local functions. */
const tools = {
  list: (memory) => ({ files: fs.readdirSync(memory.notes).filter((f) => f.endsWith(".txt")).sort() }),
  read: (memory, action) => {
    const text = fs.readFileSync(path.join(memory.notes, action.file), "utf8");
    return { read: { ...memory.read, [action.file]: { words: text.split(/\s+/).filter(Boolean).length, firstLine: text.split("\n")[0] } } };
  },
  write: (memory) => {
    const order = [memory.focus, ...memory.files.filter((f) => f !== memory.focus)];
    const lines = [`# ${memory.goal}`, "", ...order.map((f) => `- ${f} (${memory.read[f].words} words): ${memory.read[f].firstLine}`)];
    fs.mkdirSync(memory.out, { recursive: true });
    const file = path.join(memory.out, "summary.md");
    fs.writeFileSync(file, lines.join("\n") + "\n");
    return { written: file };
  },
};

export const agent = workflow("agent", async (ctx, input) => {
  let memory = {
    goal: input?.goal ?? "summarize the notes",
    notes: path.resolve(input?.notes ?? path.join(here, "notes")),
    out: path.resolve(input?.out ?? path.join(here, "out")),
    read: {},
  };
  for (let turn = 1; turn <= 20; turn++) {
    const action = await ctx.step("think", () => think(memory)); // keys think, think#2, think#3, ...
    if (action.tool === "done") return { turns: turn, focus: memory.focus, summary: memory.written };
    if (action.tool === "ask") {
      await ctx.step("ask", ({ log }) => {
        log(action.question);
        log(`answer: node ${script} answer ${ctx.runId} "<answer>" && node ${script} --run-id ${ctx.runId}`);
      });
      const answer = await ctx.waitForEvent("answer", { timeoutMs: 3 * 86_400_000 });
      const focus = memory.files.includes(answer?.text) ? answer.text : memory.files[0];
      memory = { ...memory, focus };
      continue;
    }
    const change = await ctx.step(`act: ${action.tool}`, () => tools[action.tool](memory, action));
    memory = { ...memory, ...change };
  }
  throw new Error("no answer after 20 turns");
});

// `answer <runId> <text>`: delivers the person's answer to the waiting run.
const [command, runId, text] = process.argv.slice(2);
if (command === "answer") {
  const store = createFileStore({ dir: process.env.STEPLOG_DIR ?? path.join(here, ".steplog") });
  if (!runId || !(await store.getRun(runId))) {
    console.error(`unknown run id ${runId ?? "(none)"}`);
    process.exit(10);
  }
  await store.sendEvent(runId, "answer", { json: { text: text ?? "" } }, Date.now());
  console.error(`answer sent; continue with: node ${script} --run-id ${runId}`);
} else {
  await agent.main();
}

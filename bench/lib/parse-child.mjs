// The JSON.parse baseline in its own process: `node parse-child.mjs <journal>` prints `PARSED {ms, maxRssKb}`.
import { jsonParseLines } from "./baselines.mjs";

const ms = jsonParseLines(process.argv[2]);
process.stdout.write(`PARSED ${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS })}\n`);

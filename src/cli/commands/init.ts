/**
 * `steplog init [--template NAME] [--list]`: copies a starter workflow from the package's `templates/`.
 */
import { fs, path } from "../../builtins.js";
import { UsageError, messageOf } from "../../errors.js";
import type { Command } from "../command.js";
import { packageRoot } from "../../package-root.js";

const DEFAULT_TEMPLATE = "basic";

/**
 * The `init` command.
 *
 * @example
 * ```sh
 * steplog init --template basic
 * ```
 */
export const initCommand: Command = {
  name: "init",
  summary: "copy a starter workflow into the current directory",
  usage: "steplog init [--template NAME] [--list]",
  options: { template: { type: "string" }, list: { type: "boolean" } },
  flagHelp: `  --template NAME  which template (default: ${DEFAULT_TEMPLATE}, or the only one there is)
  --list           list the templates`,
  positionals: [0, 0],
  help: `Copies the files of a template (templates/<name>.* in the steplog package) into the current directory.
Never overwrites a file: if one exists, nothing is written.

Examples:
  steplog init --list
  steplog init
  steplog init --template basic`,
  async run(cli) {
    const templates = listTemplates();
    if (cli.bool("list")) {
      cli.result(Object.fromEntries(templates), () => (templates.size === 0 ? "this steplog package has no templates" : [...templates].map(([name, files]) => `${name}  (${files.join(", ")})`).join("\n")));
      return 0;
    }
    const name = cli.string("template") ?? (templates.has(DEFAULT_TEMPLATE) || templates.size !== 1 ? DEFAULT_TEMPLATE : [...templates.keys()][0]!);
    const files = templates.get(name);
    if (files === undefined) {
      throw new UsageError(`no template ${JSON.stringify(name.slice(0, 60))}; ${templates.size === 0 ? "this package has none" : `the templates are ${[...templates.keys()].join(", ")}`} (steplog init --list)`);
    }
    const cwd = process.cwd();
    const existing = files.filter((f) => fs.existsSync(path.join(cwd, f)));
    if (existing.length > 0) throw new UsageError(`refusing to overwrite ${existing.map((f) => path.join(cwd, f)).join(", ")}; move ${existing.length === 1 ? "it" : "them"} away or run init elsewhere`);
    for (const file of files) {
      try {
        fs.copyFileSync(path.join(templatesDir(), file), path.join(cwd, file), fs.constants.COPYFILE_EXCL);
      } catch (error) {
        throw new UsageError(`cannot write ${path.join(cwd, file)}: ${messageOf(error)}`);
      }
    }
    cli.result({ ok: true, template: name, files: files.map((f) => path.join(cwd, f)) }, () => `created ${files.join(", ")} from template '${name}'`);
    return 0;
  },
};

function templatesDir(): string {
  return path.join(packageRoot(), "templates");
}

/** Template name → its files (`basic` → [`basic.mjs`, `basic.md`]). */
function listTemplates(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let names: string[];
  try {
    names = fs.readdirSync(templatesDir(), { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name).sort();
  } catch {
    return out;
  }
  for (const file of names) {
    const name = file.split(".")[0]!;
    if (name === "") continue;
    out.set(name, [...(out.get(name) ?? []), file]);
  }
  return out;
}

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createFileStore } from "../../src/index.js";
import { storeConformance } from "./conformance.js";

storeConformance("file store", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-store-"));
  return {
    store: createFileStore({ dir: path.join(root, "state") }),
    cleanup: async () => fs.rmSync(root, { recursive: true, force: true }),
  };
});

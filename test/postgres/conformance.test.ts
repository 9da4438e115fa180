import { createPostgresStore } from "../../src/store/postgres/index.js";
import { storeConformance } from "../store/conformance.js";
import { DATABASE_URL, describePg, dropSchema, freshSchema } from "./pg-env.js";

describePg("PostgreSQL store conformance", () => {
  storeConformance("PostgreSQL store", async () => {
    const schema = freshSchema("conf");
    const store = createPostgresStore({ connectionString: DATABASE_URL, schema });
    return { store, cleanup: () => dropSchema(schema) };
  });
});

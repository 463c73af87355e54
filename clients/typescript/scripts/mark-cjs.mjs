// dist/cjs is CommonJS inside a "type": "module" package: a package.json there tells Node so.
import { writeFileSync } from "node:fs";

writeFileSync(new URL("../dist/cjs/package.json", import.meta.url), `${JSON.stringify({ type: "commonjs" })}\n`);

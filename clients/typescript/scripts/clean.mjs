// Removes what the build writes, so a file deleted from src/ never lingers in dist/.
import { rmSync } from "node:fs";

for (const dir of process.argv.slice(2)) rmSync(new URL(`../${dir}`, import.meta.url), { recursive: true, force: true });

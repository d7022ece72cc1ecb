// The baseline of `npm run bench`: a bare csv-parse pass over a file, counting records.
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";

let records = 0;
for await (const record of createReadStream(process.argv[2]).pipe(parse())) {
  if (record) records++;
}
console.log(`${records} records`);

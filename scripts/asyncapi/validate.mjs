// Validates an AsyncAPI document with the AsyncAPI project's parser; prints every diagnostic and exits 1
// when the document is invalid or has warnings. Usage: node validate.mjs <document.yaml>
import { Parser, fromFile } from '@asyncapi/parser';

const path = process.argv[2];
const { document, diagnostics } = await fromFile(new Parser(), path).parse();
const SEVERITY = ['error', 'warning', 'info', 'hint'];
const serious = diagnostics.filter((d) => d.severity <= 1);
for (const d of diagnostics) {
  console.log(`${SEVERITY[d.severity]} ${d.code} at ${d.path.join('.')}: ${d.message}`);
}
if (!document || serious.length > 0) {
  console.log(`${path}: invalid (${serious.length} errors and warnings)`);
  process.exit(1);
}
console.log(`${path}: valid AsyncAPI ${document.version()}, ${document.messages().length} messages`);

// Parse diagram text with the tools' own parsers: `node check.mjs mermaid|dbml FILE...`.
// Prints one JSON line per file: {"file": ..., "ok": true} or {"file": ..., "ok": false, "error": ...}.
import { readFileSync } from 'node:fs';

const [kind, ...files] = process.argv.slice(2);
let parse;
if (kind === 'mermaid') {
  const { default: mermaid } = await import('mermaid');
  mermaid.initialize({ startOnLoad: false });
  parse = async (text) => {
    const r = await mermaid.parse(text);
    if (!r || r.diagramType !== 'er') throw new Error(`not an ER diagram: ${JSON.stringify(r)}`);
  };
} else if (kind === 'dbml') {
  const { Parser } = await import('@dbml/core');
  parse = async (text) => { new Parser().parse(text, 'dbmlv2'); };
} else {
  console.error('usage: node check.mjs mermaid|dbml FILE...');
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  try {
    await parse(readFileSync(file, 'utf8'));
    console.log(JSON.stringify({ file, ok: true }));
  } catch (e) {
    failed += 1;
    const msg = (e && (e.message || (e.diags && JSON.stringify(e.diags.map((d) => d.message + ' @' + JSON.stringify(d.location))))) ) || String(e);
    console.log(JSON.stringify({ file, ok: false, error: String(msg).slice(0, 2000) }));
  }
}
process.exit(failed ? 1 : 0);

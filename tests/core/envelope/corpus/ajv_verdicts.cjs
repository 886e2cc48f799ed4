// Reference verdicts from ajv (draft-07) for the differential corpus: one line per case,
// "1" valid, "0" invalid (schema), "P" not JSON to JSON.parse / not UTF-8 to TextDecoder.
// Usage: node ajv_verdicts.cjs <schema_dir> <node_dir> <corpus> <out>
'use strict';
const fs = require('fs');
const path = require('path');
const [schemaDir, nodeDir, corpusFile, outFile] = process.argv.slice(2);
let Ajv;
try {
  Ajv = require(path.resolve(nodeDir, 'node_modules', 'ajv'));
} catch (e) {
  console.error(`ajv not found under ${nodeDir}/node_modules: run npm install --prefix ${nodeDir}`);
  process.exit(2);
}
const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: false });
ajv.addVocabulary(['x-topics']);
let root;
for (const f of fs.readdirSync(schemaDir).filter((n) => n.endsWith('.json')).sort()) {
  const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8'));
  ajv.addSchema(schema);
  if (f === 'envelope.v1.json') root = schema.$id;
}
const validate = ajv.getSchema(root);
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const out = [];
for (const line of fs.readFileSync(corpusFile, 'utf8').split('\n')) {
  if (!line) continue;
  const hex = line.slice(line.indexOf(' ') + 1);
  let doc;
  try {
    doc = JSON.parse(decoder.decode(Buffer.from(hex, 'hex')));
  } catch (e) {
    out.push('P');
    continue;
  }
  out.push(validate(doc) ? '1' : '0');
}
fs.writeFileSync(outFile, out.join('\n') + '\n');

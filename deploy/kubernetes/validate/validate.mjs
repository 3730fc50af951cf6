// Validates Kubernetes manifests offline: every document's fields against the Kubernetes API's own
// schemas (types, required fields, formats, enums), as bundled in the kubernetes-models package.
//   kubectl kustomize deploy/kubernetes | node deploy/kubernetes/validate/validate.mjs
//   node deploy/kubernetes/validate/validate.mjs manifest.yaml ...
// Prints one line per document and every problem; exits 1 if any document is invalid or of a
// kind it cannot check.
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';

const sources = process.argv.length > 2
  ? process.argv.slice(2).map(file => ({ name: file, text: readFileSync(file, 'utf8') }))
  : [{ name: 'stdin', text: readFileSync(0, 'utf8') }];

let documents = 0;
let problems = 0;
for (const { name, text } of sources) {
  for (const doc of yaml.loadAll(text)) {
    if (doc == null) continue;
    documents++;
    const what = `${doc.apiVersion}/${doc.kind} ${doc.metadata?.name ?? '(no name)'}`;
    const group = doc.apiVersion?.includes('/') ? doc.apiVersion : `v1`;
    let model;
    try {
      model = (await import(`kubernetes-models/${group}`))[doc.kind];
    } catch {
      model = undefined;
    }
    if (typeof model !== 'function') {
      console.log(`INVALID ${what} (${name}): no schema for apiVersion '${doc.apiVersion}' kind '${doc.kind}'`);
      problems++;
      continue;
    }
    try {
      new model(doc).validate();
      console.log(`ok      ${what}`);
    } catch (error) {
      problems++;
      console.log(`INVALID ${what} (${name}):`);
      for (const e of error.errors ?? [error]) {
        console.log(`  ${e.instancePath ?? ''} ${e.message ?? e}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
      }
    }
  }
}
console.log(`${documents} documents, ${problems} invalid`);
process.exit(problems > 0 || documents === 0 ? 1 : 0);

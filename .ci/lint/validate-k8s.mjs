// Validates every manifest a kustomization lists against the Kubernetes API schemas (kubernetes-models), and that
// what it generates is declared. Usage: node validate-k8s.mjs <dir with kustomization.yaml>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";

const dir = process.argv[2];
const kustomization = yaml.load(readFileSync(join(dir, "kustomization.yaml"), "utf8"));
let failures = 0;
let checked = 0;

for (const file of kustomization.resources ?? []) {
  for (const doc of yaml.loadAll(readFileSync(join(dir, file), "utf8"))) {
    if (!doc) continue;
    const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : [null, doc.apiVersion];
    const module = `kubernetes-models/${group ? group + "/" : ""}${version}/${doc.kind}`;
    const where = `${file}: ${doc.kind} ${doc.metadata?.name}`;
    try {
      const { [doc.kind]: Model } = await import(module);
      new Model(doc).validate();
      checked++;
      console.log(`ok   ${where}`);
    } catch (error) {
      failures++;
      console.log(`FAIL ${where}: ${error.message}`);
    }
  }
}
console.log(`${checked} passed, ${failures} failed`);
process.exit(failures === 0 && checked > 0 ? 0 : 1);

// Validates Kubernetes manifests without a cluster: each object against its Kubernetes JSON schema (kubernetes-models),
// then the references between them (Secret and ConfigMap keys, Service and PDB selectors, HPA target, kustomization list).
// Usage: node validate.mjs <folder or file>... ; exits 1 and names every problem found.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";

const modules = {
  "v1": "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
};
const problems = [];
const objects = [];
const kustomizations = [];

const files = process.argv.slice(2).flatMap(arg =>
  statSync(arg).isDirectory() ? readdirSync(arg).filter(f => /\.ya?ml$/.test(f)).map(f => join(arg, f)) : [arg]);
if (files.length === 0) {
  console.error("usage: node validate.mjs <folder or file>...");
  process.exit(2);
}

for (const file of files) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      problems.push(`${file}: YAML: ${document.errors.map(e => e.message).join("; ")}`);
      continue;
    }
    const object = document.toJS();
    if (object === null) continue;
    if (object.kind === "Kustomization") {
      kustomizations.push({ file, object });
      continue;
    }
    const where = `${file}: ${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
    const module = modules[object.apiVersion];
    if (!module) {
      problems.push(`${where}: apiVersion ${object.apiVersion} is not one this validator knows`);
      continue;
    }
    const Model = (await import(module))[object.kind];
    if (!Model) {
      problems.push(`${where}: kind ${object.kind} does not exist in ${object.apiVersion}`);
      continue;
    }
    try {
      new Model(object).validate();
      objects.push({ file, object });
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
  }
}

const find = (kind, name) => objects.find(o => o.object.kind === kind && o.object.metadata?.name === name)?.object;
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const workloads = objects.filter(o => o.object.kind === "Deployment").map(o => o.object);

for (const { file, object } of objects) {
  const where = `${file}: ${object.kind}/${object.metadata.name}`;
  if (object.kind === "Deployment") {
    if (!matches(object.spec.selector.matchLabels, object.spec.template.metadata?.labels)) problems.push(`${where}: the selector does not match the pod labels`);
    for (const container of object.spec.template.spec.containers) {
      for (const env of container.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef ?? env.valueFrom?.configMapKeyRef;
        if (!ref) continue;
        const kind = env.valueFrom.secretKeyRef ? "Secret" : "ConfigMap";
        const target = find(kind, ref.name);
        const keys = { ...(target?.data ?? {}), ...(target?.stringData ?? {}) };
        if (!target) problems.push(`${where}: env ${env.name} names ${kind} ${ref.name}, which is not defined`);
        else if (!(ref.key in keys)) problems.push(`${where}: env ${env.name} names key ${ref.key}, which ${kind} ${ref.name} lacks`);
      }
      for (const from of container.envFrom ?? []) {
        const ref = from.configMapRef ?? from.secretRef;
        if (!find(from.configMapRef ? "ConfigMap" : "Secret", ref.name)) problems.push(`${where}: envFrom names ${ref.name}, which is not defined`);
      }
      for (const probe of ["readinessProbe", "livenessProbe"]) {
        if (!container[probe]) problems.push(`${where}: container ${container.name} has no ${probe}`);
      }
      if (!container.resources?.requests) problems.push(`${where}: container ${container.name} requests no resources`);
      if (!container.lifecycle?.preStop) problems.push(`${where}: container ${container.name} has no preStop pause`);
    }
  }
  if (object.kind === "Service" || object.kind === "PodDisruptionBudget") {
    const selector = object.kind === "Service" ? object.spec.selector : object.spec.selector?.matchLabels;
    if (!workloads.some(w => matches(selector, w.spec.template.metadata?.labels))) problems.push(`${where}: the selector matches no Deployment's pods`);
  }
  if (object.kind === "HorizontalPodAutoscaler") {
    const target = object.spec.scaleTargetRef;
    if (!find(target.kind, target.name)) problems.push(`${where}: the scale target ${target.kind}/${target.name} is not defined`);
  }
}

for (const { file, object } of kustomizations) {
  const listed = new Set(object.resources ?? []);
  for (const other of readdirSync(dirname(file)).filter(f => /\.ya?ml$/.test(f) && f !== basename(file))) {
    if (!listed.has(other)) problems.push(`${file}: ${other} is not listed in resources`);
  }
  for (const resource of listed) {
    if (!files.some(f => f === join(dirname(file), resource))) problems.push(`${file}: resource ${resource} does not exist`);
  }
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`valid: ${objects.length} objects in ${files.length} files`);

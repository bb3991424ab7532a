// Time warm decisions of @cloud-copilot/iam-simulate on the inputs that bench/policy_bench.py
// writes, so that orgstack's policy engine can be set beside an independent one.
//
// Usage: node bench/js/simulate_bench.mjs INPUT.json
//
// INPUT.json is {"workloads": [{"name", "rounds", "inputs": [case, ...]}]}, where each case has the
// format of tests/data/policy_cases.json plus an `id`. Every input goes through the validated
// `runSimulation` entry point in two ways: with the raw policy documents, which runSimulation
// validates and parses on every call, and with policies validated once beforehand
// (`createValidatedPolicy`), which runSimulation only parses. Prints one JSON object on stdout
// (timings per workload and mode, the decision reached for each input and the inputs skipped) and
// a summary on stderr.

import { readFileSync } from "node:fs";
import { cpus } from "node:os";

import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourceControlPolicy,
  validateResourcePolicy,
  validateServiceControlPolicy,
} from "@cloud-copilot/iam-policy";
import { runSimulation } from "@cloud-copilot/iam-simulate";

// Passes over a workload before timing starts: the first call loads iam-data's service files,
// and later ones let V8 optimize the hot paths.
const WARMUP_ROUNDS = 20;

// iam-simulate's overall results, named as orgstack's Decision values.
const DECISIONS = {
  Allowed: "Allow",
  ExplicitlyDenied: "ExplicitDeny",
  ImplicitlyDenied: "ImplicitDeny",
};

const MODES = {
  documents: (document) => document,
  prevalidated: (document, validate) => createValidatedPolicy(document, validate),
};

function parseDocument(document) {
  return typeof document === "string" ? JSON.parse(document) : document;
}

// Condition values go to iam-simulate as strings, which is how IAM compares JSON booleans and
// numbers.
function contextVariables(context) {
  const converted = {};
  for (const [key, value] of Object.entries(context ?? {})) {
    converted[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return converted;
}

// The case format defaults the resource account to the account in the resource ARN, and to the
// principal's account for ARNs without one (S3). iam-simulate needs it spelled out.
function resourceAccount(request) {
  if (request.resource_account) {
    return request.resource_account;
  }
  const fromResource = request.resource.split(":")[4];
  return fromResource || request.principal_arn.split(":")[4] || "";
}

function levelLabels(count) {
  if (count <= 1) {
    return ["root"].slice(0, count);
  }
  const units = Array.from({ length: count - 2 }, (_, index) => `ou-${index + 1}`);
  return ["root", ...units, "account"];
}

// The RCP that AWS attaches to every root, OU and account and that cannot be detached.
function isRcpFullAwsAccess(document) {
  const statements = [document.Statement].flat();
  if (statements.length !== 1) {
    return false;
  }
  const [statement] = statements;
  return (
    statement.Effect === "Allow" &&
    statement.Principal === "*" &&
    [statement.Action].flat().join() === "*" &&
    [statement.Resource].flat().join() === "*" &&
    statement.Condition === undefined
  );
}

function orgLevels(levels, prefix, wrap, validate) {
  const labels = levelLabels(levels.length);
  return levels.map((documents, level) => ({
    orgIdentifier: labels[level],
    policies: documents.map((document, position) => ({
      name: `${prefix}[${labels[level]}][${position}]`,
      policy: wrap(parseDocument(document), validate),
    })),
  }));
}

/**
 * Drop RCPFullAWSAccess from each RCP level.
 *
 * runSimulation adds RCPFullAWSAccess to every level itself and rejects an RCP that allows, so a
 * level is expressible only when it contains RCPFullAWSAccess. Throws for a level without it.
 */
function rcpLevelsWithoutFullAccess(levels) {
  return levels.map((documents, level) => {
    const parsed = documents.map(parseDocument);
    const rest = parsed.filter((document) => !isRcpFullAwsAccess(document));
    if (rest.length === parsed.length) {
      throw new Error(
        `RCP level ${level} has no RCPFullAWSAccess, which iam-simulate always adds to a level`,
      );
    }
    return rest;
  });
}

/**
 * Convert one case to an iam-simulate `Simulation`.
 *
 * iam-simulate has no input for the organization facts that exempt a principal or resource from
 * SCPs and RCPs: a management account or a service-linked role. An exempt layer is therefore
 * passed as no levels at all, as a caller of iam-simulate would pass it.
 */
function toSimulation(input, wrap) {
  const request = input.request;
  const org = input.org ?? {};
  const scpsApply =
    input.scps && !org.principal_account_is_management && !org.principal_is_service_linked_role;
  const rcpsApply = input.rcps && !org.resource_account_is_management;
  const boundary = input.permission_boundary ?? input.permissions_boundary;

  const simulation = {
    request: {
      principal: request.principal_arn,
      action: request.action,
      resource: { resource: request.resource, accountId: resourceAccount(request) },
      contextVariables: contextVariables(request.context),
    },
    identityPolicies: (input.identity_policies ?? []).map((document, position) => ({
      name: `identity[${position}]`,
      policy: wrap(parseDocument(document), validateIdentityPolicy),
    })),
    serviceControlPolicies: scpsApply
      ? orgLevels(input.scps, "scp", wrap, validateServiceControlPolicy)
      : [],
    resourceControlPolicies: rcpsApply
      ? orgLevels(
          rcpLevelsWithoutFullAccess(input.rcps),
          "rcp",
          wrap,
          validateResourceControlPolicy,
        )
      : [],
  };

  if (boundary) {
    simulation.permissionBoundaryPolicies = [
      { name: "boundary", policy: wrap(parseDocument(boundary), validateIdentityPolicy) },
    ];
  }
  if (input.session_policy) {
    // runSimulation validates a session policy with its identity-policy rules.
    simulation.sessionPolicy = wrap(parseDocument(input.session_policy), validateIdentityPolicy);
  }
  if (input.resource_policy) {
    simulation.resourcePolicy = wrap(parseDocument(input.resource_policy), validateResourcePolicy);
  }
  return simulation;
}

function errorText(errors) {
  const details = Object.entries(errors)
    .filter(([key]) => key !== "message")
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  return [errors.message, ...details].join("; ");
}

/**
 * Run each input once, keeping those iam-simulate accepts.
 *
 * Returns the accepted simulations with the decision reached for each, and the skipped inputs
 * with iam-simulate's reason.
 */
async function prepare(inputs, wrap) {
  const accepted = [];
  const decisions = {};
  const skipped = [];
  for (const input of inputs) {
    let simulation;
    try {
      simulation = toSimulation(input, wrap);
    } catch (error) {
      skipped.push({ id: input.id, reason: error.message });
      continue;
    }
    const response = await runSimulation(simulation, {});
    if (response.resultType === "error") {
      skipped.push({ id: input.id, reason: errorText(response.errors) });
      continue;
    }
    accepted.push(simulation);
    decisions[input.id] = DECISIONS[response.overallResult] ?? response.overallResult;
  }
  return { accepted, decisions, skipped };
}

function median(sorted) {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Time `rounds` passes over the simulations.
 *
 * Returns the wall-clock latency per decision (median, 99th percentile), the CPU time per
 * decision (median over passes, user plus system of the whole process) and decisions per second
 * over the whole timed period. Times are in microseconds.
 */
async function measure(simulations, rounds) {
  if (simulations.length === 0) {
    return null;
  }
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    for (const simulation of simulations) {
      await runSimulation(simulation, {});
    }
  }

  const samples = [];
  const cpuPerDecision = [];
  const started = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    const cpuStart = process.cpuUsage();
    for (const simulation of simulations) {
      const begin = process.hrtime.bigint();
      await runSimulation(simulation, {});
      samples.push(Number(process.hrtime.bigint() - begin) / 1000);
    }
    const cpu = process.cpuUsage(cpuStart);
    cpuPerDecision.push((cpu.user + cpu.system) / simulations.length);
  }
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  samples.sort((a, b) => a - b);
  cpuPerDecision.sort((a, b) => a - b);
  return {
    decisions: samples.length,
    median_us: median(samples),
    p99_us: samples[Math.floor(samples.length * 0.99)],
    cpu_median_us: median(cpuPerDecision),
    throughput: samples.length / elapsedSeconds,
  };
}

async function runWorkload(workload) {
  const result = { name: workload.name, inputs: workload.inputs.length, modes: {} };
  for (const [mode, wrap] of Object.entries(MODES)) {
    const { accepted, decisions, skipped } = await prepare(workload.inputs, wrap);
    const timing = await measure(accepted, workload.rounds);
    result.modes[mode] = { timing, decisions, skipped };
  }
  return result;
}

function summarize(workload) {
  for (const [mode, { timing, skipped }] of Object.entries(workload.modes)) {
    const label = `${workload.name} (${mode})`.padEnd(32);
    if (!timing) {
      process.stderr.write(`${label} no input could be simulated\n`);
      continue;
    }
    process.stderr.write(
      `${label} decisions=${timing.decisions}  median=${timing.median_us.toFixed(1)} µs  ` +
        `p99=${timing.p99_us.toFixed(1)} µs  cpu median=${timing.cpu_median_us.toFixed(1)} µs  ` +
        `throughput=${Math.round(timing.throughput)} decisions/s  skipped=${skipped.length}\n`,
    );
  }
}

async function main() {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write("usage: node bench/js/simulate_bench.mjs INPUT.json\n");
    process.exit(2);
  }
  const { workloads } = JSON.parse(readFileSync(path, "utf8"));
  const packageVersion = JSON.parse(
    readFileSync(
      new URL("./node_modules/@cloud-copilot/iam-simulate/package.json", import.meta.url),
    ),
  ).version;

  const results = [];
  for (const workload of workloads) {
    const result = await runWorkload(workload);
    summarize(result);
    results.push(result);
  }
  const report = {
    engine: `@cloud-copilot/iam-simulate ${packageVersion}`,
    node: process.version,
    cpu_count: cpus().length,
    workloads: results,
  };
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
}

await main();

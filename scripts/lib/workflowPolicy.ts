// The repository's rules for GitHub Actions files (.github/workflows/*.yml and the local
// composite actions), as pure functions over the file texts: every job states its
// permissions, and every action outside this repository is pinned by a full commit SHA
// with its version in a comment (a tag or branch can be moved to other code after review).
// test/unit/workflows.test.ts applies them to the real files; actionlint (.ci/run) checks
// the rest of the syntax and semantics.
import * as YAML from "yaml";
import { DIGEST_REF_PATTERN } from "../../components/constants";

export interface Finding {
    file: string;
    /** Job id or step location, e.g. `jobs.preview.steps[2]`. */
    where: string;
    problem: string;
}

/** `owner/repo[/path]@<40 hex>` followed by `# v1.2.3`-style comment on the same line. */
const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v\d+(\.\d+){0,2}\b/;

export interface UsesRef {
    file: string;
    where: string;
    uses: string;
    /** The text after `#` on the `uses:` line, if any. */
    comment?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The comment on the line of each `uses:` value, keyed by the value (first one wins). */
function usesComments(text: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of text.split("\n")) {
        const m = /^\s*(?:-\s*)?uses:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/.exec(line);
        if (m && !out.has(m[1])) out.set(m[1], m[2] ?? "");
    }
    return out;
}

/** Every `uses:` of a workflow (job-level reusable workflows and steps) or composite action. */
export function usesRefs(file: string, text: string): UsesRef[] {
    const doc = YAML.parse(text) as unknown;
    const comments = usesComments(text);
    const refs: UsesRef[] = [];
    const add = (where: string, uses: unknown) => {
        if (typeof uses === "string") refs.push({ file, where, uses, comment: comments.get(uses) });
    };
    if (!isRecord(doc)) return refs;
    const jobs = isRecord(doc.jobs) ? doc.jobs : {};
    for (const [id, job] of Object.entries(jobs)) {
        if (!isRecord(job)) continue;
        add(`jobs.${id}`, job.uses);
        (Array.isArray(job.steps) ? job.steps : []).forEach((s, i) => isRecord(s) && add(`jobs.${id}.steps[${i}]`, s.uses));
    }
    const runs = isRecord(doc.runs) ? doc.runs : {};
    (Array.isArray(runs.steps) ? runs.steps : []).forEach((s, i) => isRecord(s) && add(`runs.steps[${i}]`, s.uses));
    return refs;
}

/** A `uses:` that is not this repository's own (`./...`) must be SHA-pinned with a version comment. */
export function pinFindings(refs: UsesRef[]): Finding[] {
    const findings: Finding[] = [];
    for (const r of refs) {
        if (r.uses.startsWith("./")) continue;
        if (r.uses.startsWith("docker://")) {
            if (!DIGEST_REF_PATTERN.test(r.uses)) findings.push({ file: r.file, where: r.where, problem: `${r.uses}: a docker action must be pinned by @sha256 digest` });
            continue;
        }
        if (!PINNED.test(r.uses)) {
            findings.push({ file: r.file, where: r.where, problem: `${r.uses}: not pinned by a full 40-hex commit SHA (a tag or branch can move)` });
        } else if (!r.comment || !VERSION_COMMENT.test(r.comment)) {
            findings.push({ file: r.file, where: r.where, problem: `${r.uses}: the pinned SHA needs its version in a comment, e.g. "# v4.3.1"` });
        }
    }
    // One action, one SHA: two pins of the same action would be two reviews.
    const byAction = new Map<string, Set<string>>();
    for (const r of refs) {
        const [action, sha] = r.uses.split("@");
        if (!r.uses.startsWith("./") && sha) byAction.set(action, (byAction.get(action) ?? new Set()).add(sha));
    }
    for (const [action, shas] of byAction) {
        if (shas.size > 1) findings.push({ file: "(all)", where: action, problem: `${action} is pinned to ${shas.size} different commits: ${[...shas].join(", ")}` });
    }
    return findings;
}

/** Every job states `permissions:`; the workflow's default is `{}` (nothing). */
export function permissionFindings(file: string, text: string): Finding[] {
    const doc = YAML.parse(text) as unknown;
    if (!isRecord(doc) || !isRecord(doc.jobs)) return [{ file, where: "jobs", problem: "no jobs mapping" }];
    const findings: Finding[] = [];
    if (!("permissions" in doc) || !isRecord(doc.permissions) || Object.keys(doc.permissions).length !== 0) {
        findings.push({ file, where: "permissions", problem: "the workflow-level default must be `permissions: {}` (each job states its own)" });
    }
    for (const [id, job] of Object.entries(doc.jobs)) {
        if (!isRecord(job) || !("permissions" in job)) {
            findings.push({ file, where: `jobs.${id}`, problem: "no explicit permissions:" });
        } else if (typeof job.permissions === "string") {
            findings.push({ file, where: `jobs.${id}`, problem: `permissions: ${job.permissions} grants every scope; list the scopes the job needs` });
        }
    }
    return findings;
}

export function formatFindings(findings: Finding[]): string {
    return findings.map((f) => `${f.file}: ${f.where}: ${f.problem}`).join("\n");
}

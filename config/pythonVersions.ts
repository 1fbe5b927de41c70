// Types and validation for image/python-versions.json, the CPython release data
// (docs/architecture.md, "CPython release data"). Data lives in the JSON file, never
// inline in logic; this module only checks its shape.
import * as fs from "fs";

/** Where an entry's sha256 was read, so a reviewer can check it again. */
export interface ChecksumSource {
    type: "python.org" | "debian-dsc";
    url: string;
}

/** One CPython release the images can be built from. */
export interface PythonRelease {
    /** e.g. "3.13". */
    minor: string;
    /** Full version, e.g. "3.13.5"; must belong to `minor`. */
    version: string;
    /** sha256 of Python-<version>.tar.xz (64 lowercase hex). */
    sha256: string;
    checksumSource: ChecksumSource;
    /** ISO date (YYYY-MM-DD) the minor reaches end of life. */
    endOfLife: string;
}

export interface PythonVersionsFile {
    schemaVersion: 1;
    pythons: PythonRelease[];
}

/**
 * The minors this project knows how to build. A minor that is not listed is an error
 * (the Dockerfile and CPython build scripts have never seen it); a listed minor past its
 * end-of-life date is only a warning, so an old stack keeps deploying while it migrates.
 */
export const SUPPORTED_MINORS = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"] as const;

export const CHECKSUM_SOURCE_TYPES = ["python.org", "debian-dsc"] as const;

export interface PythonVersionsResult {
    file: PythonVersionsFile;
    /** End-of-life notices, one per affected entry. */
    warnings: string[];
}

export class PythonVersionsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PythonVersionsError";
    }
}

const FILE = "image/python-versions.json";

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validates the parsed content of image/python-versions.json. Pure: `today` (YYYY-MM-DD)
 * decides which entries are past end of life. Errors name the entry (index and minor)
 * and the field.
 */
export function validatePythonVersions(data: unknown, today: string): PythonVersionsResult {
    if (!isRecord(data)) {
        throw new PythonVersionsError(`${FILE}: expected an object with "schemaVersion" and "pythons"`);
    }
    if (data.schemaVersion !== 1) {
        throw new PythonVersionsError(`${FILE}: field "schemaVersion": ${JSON.stringify(data.schemaVersion)} is not supported; accepted: 1`);
    }
    if (!Array.isArray(data.pythons) || data.pythons.length === 0) {
        throw new PythonVersionsError(`${FILE}: field "pythons" must be a non-empty array`);
    }
    const warnings: string[] = [];
    const seen = new Set<string>();
    const pythons = data.pythons.map((entry: unknown, i: number): PythonRelease => {
        const label = isRecord(entry) && typeof entry.minor === "string" ? `pythons[${i}] (${entry.minor})` : `pythons[${i}]`;
        const bad = (field: string, value: unknown, accepted: string): never => {
            throw new PythonVersionsError(`${FILE} ${label}: field "${field}": ${JSON.stringify(value)} is not valid; accepted: ${accepted}`);
        };
        if (!isRecord(entry)) {
            throw new PythonVersionsError(`${FILE} ${label}: expected an object`);
        }
        const { minor, version, sha256, checksumSource, endOfLife } = entry;
        if (typeof minor !== "string" || !(SUPPORTED_MINORS as readonly string[]).includes(minor)) {
            throw new PythonVersionsError(
                `${FILE} ${label}: field "minor": ${JSON.stringify(minor)} is not supported; supported: ${SUPPORTED_MINORS.join(", ")}`,
            );
        }
        if (seen.has(minor)) {
            throw new PythonVersionsError(`${FILE} ${label}: field "minor": "${minor}" is listed twice; accepted: one entry per minor`);
        }
        seen.add(minor);
        if (typeof version !== "string" || !new RegExp(`^${minor.replace(".", "\\.")}\\.[0-9]+$`).test(version)) {
            bad("version", version, `a final release of ${minor}, e.g. ${minor}.0`);
        }
        if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) {
            bad("sha256", sha256, "64 lowercase hex digits (sha256 of Python-<version>.tar.xz)");
        }
        if (!isRecord(checksumSource)) {
            bad("checksumSource", checksumSource, `{ "type": ${CHECKSUM_SOURCE_TYPES.join(" | ")}, "url": "<where it was read>" }`);
        }
        const source = checksumSource as Record<string, unknown>;
        if (typeof source.type !== "string" || !(CHECKSUM_SOURCE_TYPES as readonly string[]).includes(source.type)) {
            bad("checksumSource.type", source.type, CHECKSUM_SOURCE_TYPES.join(", "));
        }
        if (typeof source.url !== "string" || !/^https?:\/\/\S+$/.test(source.url)) {
            bad("checksumSource.url", source.url, "an http:// or https:// URL");
        }
        if (typeof endOfLife !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(endOfLife) || Number.isNaN(Date.parse(endOfLife))) {
            bad("endOfLife", endOfLife, "a date YYYY-MM-DD");
        }
        if ((endOfLife as string) < today) {
            warnings.push(`${FILE} ${label}: Python ${minor} reached end of life on ${endOfLife as string}; plan the move to a supported minor`);
        }
        return {
            minor,
            version: version as string,
            sha256: sha256 as string,
            checksumSource: { type: source.type as ChecksumSource["type"], url: source.url as string },
            endOfLife: endOfLife as string,
        };
    });
    return { file: { schemaVersion: 1, pythons }, warnings };
}

/**
 * Picks the releases for the configured minors, in config order. Pure. An unknown minor
 * fails naming the config key and the minors the data file has.
 */
export function selectPythonReleases(file: PythonVersionsFile, minors: readonly string[]): PythonRelease[] {
    return minors.map((minor) => {
        const release = file.pythons.find((p) => p.minor === minor);
        if (!release) {
            throw new PythonVersionsError(
                `config key "distroless-python:pythonMinors": "${minor}" has no entry in ${FILE}; accepted: ${file.pythons.map((p) => p.minor).join(", ")}`,
            );
        }
        return release;
    });
}

/** Reads and validates the data file (the only impure function here). */
export function readPythonVersions(path: string, today: string = new Date().toISOString().slice(0, 10)): PythonVersionsResult {
    return validatePythonVersions(JSON.parse(fs.readFileSync(path, "utf8")), today);
}

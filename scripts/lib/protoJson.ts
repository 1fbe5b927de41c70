// Validates a JSON document against a protobuf message, using protobufjs' JSON descriptor
// format (the `protos.json` the Google Cloud client libraries ship), read with JSON.parse.
// Stricter than the API's own JSON parser on purpose: unknown fields, OUTPUT_ONLY fields,
// enum names that do not exist and values of the wrong JSON type are all errors, each
// naming the JSON path, so a typo in a generated build fails here and not at `gcloud`.
import * as fs from "fs";

interface FieldDescriptor {
    type: string;
    id: number;
    rule?: "repeated";
    keyType?: string;
    options?: Record<string, unknown>;
}
interface Namespace {
    nested?: Record<string, Descriptor>;
}
interface MessageDescriptor extends Namespace {
    fields: Record<string, FieldDescriptor>;
    oneofs?: Record<string, { oneof: string[] }>;
}
interface EnumDescriptor extends Namespace {
    values: Record<string, number>;
    valuesOptions?: Record<string, { deprecated?: boolean }>;
}
type Descriptor = MessageDescriptor | EnumDescriptor | Namespace;

const SCALARS: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    bytes: (v) => typeof v === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v),
    bool: (v) => typeof v === "boolean",
    double: (v) => typeof v === "number" || ["NaN", "Infinity", "-Infinity"].includes(v as string),
    float: (v) => typeof v === "number" || ["NaN", "Infinity", "-Infinity"].includes(v as string),
    // proto3 JSON: 32-bit integers are numbers (or numeric strings), 64-bit ones preferably strings.
    int32: (v) => isInteger(v), uint32: (v) => isInteger(v), sint32: (v) => isInteger(v), fixed32: (v) => isInteger(v), sfixed32: (v) => isInteger(v),
    int64: (v) => isInteger(v), uint64: (v) => isInteger(v), sint64: (v) => isInteger(v), fixed64: (v) => isInteger(v), sfixed64: (v) => isInteger(v),
};

function isInteger(v: unknown): boolean {
    return (typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^-?[0-9]+$/.test(v));
}

/** Well-known types with a special JSON form. */
const WELL_KNOWN: Record<string, { accepted: string; check: (v: unknown) => boolean }> = {
    "google.protobuf.Duration": { accepted: 'a duration string such as "600s"', check: (v) => typeof v === "string" && /^-?[0-9]+(\.[0-9]{1,9})?s$/.test(v) },
    "google.protobuf.Timestamp": { accepted: "an RFC 3339 timestamp", check: (v) => typeof v === "string" && !Number.isNaN(Date.parse(v)) },
    "google.protobuf.Any": { accepted: "an object with @type", check: (v) => typeof v === "object" && v !== null && "@type" in v },
};

const isMessage = (d: Descriptor | undefined): d is MessageDescriptor => d !== undefined && "fields" in d;
const isEnum = (d: Descriptor | undefined): d is EnumDescriptor => d !== undefined && "values" in d;

export class ProtoSchema {
    constructor(private readonly root: Namespace) {}

    /** Loads a protobufjs JSON descriptor file (e.g. `@google-cloud/cloudbuild/build/protos/protos.json`). */
    static fromFile(file: string): ProtoSchema {
        return new ProtoSchema(JSON.parse(fs.readFileSync(file, "utf8")) as Namespace);
    }

    /** The descriptor at a fully-qualified name such as `google.devtools.cloudbuild.v1.Build`. */
    lookup(fullName: string): Descriptor | undefined {
        let node: Descriptor | undefined = this.root;
        for (const part of fullName.split(".")) {
            node = node?.nested?.[part];
            if (node === undefined) return undefined;
        }
        return node;
    }

    /** The enum's value names, without the deprecated ones when `withoutDeprecated`. */
    enumValues(fullName: string, withoutDeprecated = false): string[] {
        const e = this.lookup(fullName);
        if (!isEnum(e)) throw new Error(`${fullName} is not an enum`);
        return Object.keys(e.values).filter((v) => !(withoutDeprecated && e.valuesOptions?.[v]?.deprecated));
    }

    /** Resolves a type reference the way protoc does: from the innermost enclosing scope outwards. */
    private resolve(type: string, scope: string): string | undefined {
        if (type.startsWith(".")) return this.lookup(type.slice(1)) ? type.slice(1) : undefined;
        const parts = scope.split(".");
        for (let i = parts.length; i >= 0; i--) {
            const candidate = [...parts.slice(0, i), type].filter((p) => p !== "").join(".");
            if (this.lookup(candidate)) return candidate;
        }
        return undefined;
    }

    /**
     * Every problem of `value` as a JSON `message` (a fully-qualified message name), one
     * line each: `<path>: <problem>; accepted: <what>`. Empty when the value is valid.
     */
    validate(message: string, value: unknown, path = "$"): string[] {
        const errors: string[] = [];
        this.check(message, value, path, errors);
        return errors;
    }

    private check(message: string, value: unknown, path: string, errors: string[]): void {
        const known = WELL_KNOWN[message];
        if (known) {
            if (!known.check(value)) errors.push(`${path}: ${JSON.stringify(value)} is not valid; accepted: ${known.accepted}`);
            return;
        }
        const d = this.lookup(message);
        if (!isMessage(d)) {
            errors.push(`${path}: type ${message} is not a message in the descriptors`);
            return;
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            errors.push(`${path}: ${JSON.stringify(value)} is not an object; accepted: a ${message} message`);
            return;
        }
        const seenOneofs = new Map<string, string>();
        for (const [key, v] of Object.entries(value)) {
            const field = d.fields[key];
            const at = `${path}.${key}`;
            if (!field) {
                errors.push(`${at}: unknown field of ${message}; accepted: ${Object.keys(d.fields).join(", ")}`);
                continue;
            }
            if (field.options?.["(google.api.field_behavior)"] === "OUTPUT_ONLY") {
                errors.push(`${at}: OUTPUT_ONLY field of ${message}, set by the service; accepted: leave it out`);
                continue;
            }
            for (const [oneof, { oneof: members }] of Object.entries(d.oneofs ?? {})) {
                if (!members.includes(key) || oneof.startsWith("_")) continue;
                const other = seenOneofs.get(oneof);
                if (other !== undefined) errors.push(`${at}: oneof ${oneof} already set by ${other}; accepted: one of ${members.join(", ")}`);
                seenOneofs.set(oneof, key);
            }
            this.checkField(field, message, v, at, errors);
        }
    }

    private checkField(field: FieldDescriptor, scope: string, value: unknown, path: string, errors: string[]): void {
        if (field.keyType !== undefined) {
            if (typeof value !== "object" || value === null || Array.isArray(value)) {
                errors.push(`${path}: ${JSON.stringify(value)} is not an object; accepted: a map of ${field.keyType} to ${field.type}`);
                return;
            }
            for (const [k, v] of Object.entries(value)) this.checkSingle(field.type, scope, v, `${path}[${JSON.stringify(k)}]`, errors);
            return;
        }
        if (field.rule === "repeated") {
            if (!Array.isArray(value)) {
                errors.push(`${path}: ${JSON.stringify(value)} is not an array; accepted: a list of ${field.type}`);
                return;
            }
            value.forEach((v, i) => this.checkSingle(field.type, scope, v, `${path}[${i}]`, errors));
            return;
        }
        this.checkSingle(field.type, scope, value, path, errors);
    }

    private checkSingle(type: string, scope: string, value: unknown, path: string, errors: string[]): void {
        const scalar = SCALARS[type];
        if (scalar) {
            if (!scalar(value)) errors.push(`${path}: ${JSON.stringify(value)} is not a JSON ${type}; accepted: a ${type}`);
            return;
        }
        const resolved = this.resolve(type, scope);
        if (resolved === undefined) {
            errors.push(`${path}: type ${type} (from ${scope}) is not in the descriptors`);
            return;
        }
        const d = this.lookup(resolved);
        if (isEnum(d)) {
            if (typeof value !== "string" || !(value in d.values)) {
                errors.push(`${path}: ${JSON.stringify(value)} is not a value of ${resolved}; accepted: ${Object.keys(d.values).join(", ")}`);
            }
            return;
        }
        this.check(resolved, value, path, errors);
    }
}

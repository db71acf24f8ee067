// Turn any API error body into a sentence and per-field messages the UI can show.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly fields: FieldError[];
  readonly retryAfter: number | null;

  constructor(
    status: number,
    message: string,
    fields: FieldError[] = [],
    retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }

  /** The message for one field (matched on the last path segment or anywhere in the path). */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((f) => f.field === field || f.field.split(".").includes(field))
      ?.message;
  }
}

type Json = unknown;

function isRecord(v: Json): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function cleanMsg(msg: string): string {
  // Pydantic prefixes custom errors with "Value error, ".
  return msg.replace(/^Value error,\s*/i, "");
}

function locToField(loc: unknown): string {
  if (!Array.isArray(loc)) return "";
  const parts = loc.filter((p) => p !== "body" && p !== "query" && p !== "path").map(String);
  return parts.join(".");
}

/** Parse the error bodies FastAPI and Alex produce:
 *  {detail: "msg"} · {detail: [{loc, msg}]} · {detail: {message, field}} · {message, field, errors}. */
export function parseErrorBody(status: number, body: Json, fallback: string): ApiError {
  const fields: FieldError[] = [];
  let message = "";
  const collect = (items: unknown[]) => {
    for (const item of items) {
      if (!isRecord(item)) continue;
      const msg = String(item.msg ?? item.message ?? "");
      const field = typeof item.field === "string" ? item.field : locToField(item.loc);
      if (msg) fields.push({ field, message: cleanMsg(msg) });
    }
  };
  if (isRecord(body)) {
    const detail = body.detail ?? body.error;
    if (typeof detail === "string") message = detail;
    else if (Array.isArray(detail)) collect(detail);
    else if (isRecord(detail)) {
      if (typeof detail.message === "string") message = detail.message;
      if (typeof detail.field === "string" && message)
        fields.push({ field: detail.field, message });
      if (Array.isArray(detail.errors)) collect(detail.errors);
    }
    if (!message && typeof body.message === "string") message = body.message;
    if (typeof body.field === "string" && message) fields.push({ field: body.field, message });
    if (Array.isArray(body.errors)) collect(body.errors);
  }
  if (!message && fields.length) {
    message = fields
      .map((f) => (f.field ? `${humanField(f.field)}: ${f.message}` : f.message))
      .join(" · ");
  }
  return new ApiError(status, message || fallback, fields);
}

export function humanField(field: string): string {
  const last = field.split(".").pop() ?? field;
  return last.replace(/_/g, " ");
}

/**
 * One JSON line per entry: Cloud Logging reads `severity` and `message` from it
 * (https://cloud.google.com/functions/docs/monitoring/logging#writing_structured_logs). Callers pass names,
 * statuses and messages only, never a header or a token.
 */
export type Severity = "INFO" | "WARNING" | "ERROR";

export function log(
  severity: Severity,
  message: string,
  fields: Readonly<Record<string, unknown>> = {},
): void {
  const line = JSON.stringify({ severity, message, ...fields });
  if (severity === "ERROR") console.error(line);
  else console.log(line);
}

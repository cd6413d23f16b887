/**
 * Why a unix-cron schedule is not one Cloud Scheduler takes, or undefined: five fields (minute, hour, day of month,
 * month, day of week), each a list of `*`, a value or a range, with an optional `/step`; months and days of the week
 * may be named (`JAN`, `MON`). https://cloud.google.com/scheduler/docs/configuring/cron-job-schedules
 */
export function cronProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `it has ${fields.length} field${fields.length === 1 ? "" : "s"}, not five`;
  for (const [i, field] of fields.entries()) {
    const spec = FIELDS[i];
    for (const item of field.split(",")) {
      const problem = itemProblem(item, spec);
      if (problem) return `its ${spec.name} ${JSON.stringify(item)} ${problem}`;
    }
  }
  return undefined;
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  // 0 and 7 are both Sunday.
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

function itemProblem(item: string, spec: FieldSpec): string | undefined {
  const [range, step, ...rest] = item.split("/");
  if (rest.length > 0 || range === "") return "is not a value, a range or a step";
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1 && Number(step) <= spec.max))
    return `has a step that is not a number from 1 to ${spec.max}`;
  if (range === "*") return undefined;
  const ends = range.split("-");
  if (ends.length > 2) return "is not a value, a range or a step";
  const values = ends.map((end) => valueOf(end, spec));
  if (values.some((v) => v === undefined))
    return `is not from ${spec.min} to ${spec.max}${spec.names ? ` (or ${spec.names[0]}-${spec.names[spec.names.length - 1]})` : ""}`;
  if (values.length === 2 && values[0]! > values[1]!) return "is a range that ends before it starts";
  return undefined;
}

function valueOf(text: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  return index < 0 ? undefined : index + (spec.min === 1 ? 1 : 0);
}

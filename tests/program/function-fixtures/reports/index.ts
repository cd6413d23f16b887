// A fixture: a function folder whose entry exports `reports` and `summary`, and nothing called `report`.
export function reports(): string {
  return "reports";
}

export const summary = "summary";

export function handle(): string {
  return "handled";
}

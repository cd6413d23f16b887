/** Names in allow-lists match a resource's deployed name or its logical (Pulumi) name. */
export function listed(list: readonly string[], ...names: readonly (string | undefined)[]): boolean {
  return names.some((name) => name !== undefined && list.includes(name));
}

export function quoteList(items: readonly string[]): string {
  return items.length === 0 ? "none" : items.map((i) => `"${i}"`).join(", ");
}

/**
 * A resource as a Pulumi TypeScript user writes it: `gcp.cloudfunctions.FunctionIamMember "rogue"` for the
 * type token `gcp:cloudfunctions/functionIamMember:FunctionIamMember` and the logical name `rogue`.
 */
export function describeResource(resource: { readonly type: string; readonly name: string }): string {
  const [pkg, module, member] = resource.type.split(":");
  const folder = module?.split("/")[0];
  const cls = member && folder && folder !== "index" ? `${pkg}.${folder}.${member}` : resource.type;
  return `${cls} "${resource.name}"`;
}

/** Kafka's field names are PascalCase; ours follow Kafka's Java accessors: lower first letter. */
export function fieldName(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** "DescribeGroupsRequest" -> "describe-groups-request". */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** The API name shared by a request and its response: "ProduceRequest" -> "Produce". */
export function apiBaseName(messageName: string): string {
  return messageName.replace(/(Request|Response)$/, '');
}

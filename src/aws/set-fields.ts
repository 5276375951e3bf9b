/**
 * The parts of a DynamoDB `UpdateItem` that SETs each given field (names and
 * values as placeholders, so reserved words and any characters are safe).
 * Undefined fields are left out.
 */
export function setFields(fields: Record<string, unknown>): {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  const names = Object.keys(fields).filter((name) => fields[name] !== undefined);
  return {
    UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
    ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, fields[name]])),
  };
}

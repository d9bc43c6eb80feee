/**
 * A file as a request body through the typed client. openapi-fetch types a raw body
 * (application/octet-stream, text/csv) as a string and would JSON-encode whatever it is given;
 * the serializer hands it the File instead, so the browser streams the file's bytes unchanged
 * (with their Content-Length, which the hub checks against its limits before reading).
 */
export function rawBody(file: Blob, mediaType: string): { body: string; bodySerializer: () => Blob; headers: Record<string, string> } {
  return { body: '', bodySerializer: () => file, headers: { 'Content-Type': mediaType } };
}

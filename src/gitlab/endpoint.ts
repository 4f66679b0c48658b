// gitbeaker's `endpoint` tag is exported only as a type, so we keep our own copy of the idea:
// every interpolated value is URL-encoded, which makes full paths (`group/sub/project`) safe ids.
export function endpoint(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce(
    (url, part, i) => url + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''),
    '',
  );
}

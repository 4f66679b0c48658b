// Mapping rule 1: one physical cluster = one normalised Kubernetes API URL. WHATWG URL parsing
// already lowercases scheme and host and drops a default port; we also drop trailing slashes.
export function normaliseApiUrl(apiUrl: string | null): string {
  if (apiUrl == null) return '';
  try {
    const url = new URL(apiUrl.trim());
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return apiUrl.trim().replace(/\/+$/, '');
  }
}

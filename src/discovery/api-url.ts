// A cluster's Kubernetes API URL, as GitLab reports it, checked before anything is planned on it.
//
// How GitLab itself validates `api_url` (app/models/clusters/platforms/kubernetes.rb:
// `validates :api_url, public_url: true, presence: true`): PublicUrlValidator is an
// AddressableUrlValidator (app/validators/addressable_url_validator.rb, default `schemes: %w[http
// https]`, `enforce_user: false`) that strips whitespace and runs Gitlab::HTTP_V2::UrlBlocker.validate!
// (gems/gitlab-http/lib/gitlab/http_v2/url_blocker.rb): the URL must parse with Addressable::URI, its
// scheme must be http or https ("Only allowed schemes are http, https"), and its hostname must be an
// IP address or start with a letter or digit ("Hostname or IP address invalid"). Local and private
// addresses are refused too unless the admin setting "allow requests to the local network from
// webhooks and integrations" is on, which self-managed instances with in-cluster API URLs often turn
// on; so we do not refuse them either.
//
// What GitLab does not refuse: user information. With `enforce_user: false` an api_url of
// `https://user:password@host:6443` is stored as typed and returned by the API. It is dropped here,
// so no plan, report or inventory ever carries it.
//
// An invalid api_url can still reach us: GitLab validates only on save, so a value stored before the
// validator existed (or written around it) comes back as stored, and an answer that is not from
// GitLab can say anything. Such a cluster gets a warning and no agent.

export type ApiUrlCheck =
  /** `url` is the registered URL, trimmed, without user information */
  | { ok: true; url: string; hadCredentials: boolean }
  /** `problem` describes what is wrong; `shown` is the value safe to print (credentials removed) */
  | { ok: false; problem: string; shown: string };

/** `scheme://user:pass@host/...` or `user:pass@host:6443`: everything before the last `@` of the authority. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)@/i;

/** The value with any user information cut out (for printing a URL we could not parse). */
export function withoutCredentials(value: string): string {
  const match = USERINFO.exec(value);
  return match ? `${match[1] ?? ''}${value.slice(match[0].length)}` : value;
}

/**
 * The secrets an api_url carries in its user information: the whole `user:password`, and the
 * password alone, as written and percent-decoded (for redact()).
 */
export function credentialsIn(value: string): string[] {
  const userinfo = USERINFO.exec(value.trim())?.[2];
  if (!userinfo) return [];
  const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // not percent-encoded
  }
  return [...new Set([userinfo, password, decoded].filter((s) => s !== ''))];
}

function shown(value: string): string {
  const safe = withoutCredentials(value);
  return safe.length > 200 ? `${safe.slice(0, 200)}…` : safe;
}

export function checkApiUrl(apiUrl: string): ApiUrlCheck {
  const raw = apiUrl.trim();
  const bad = (problem: string): ApiUrlCheck => ({ ok: false, problem, shown: shown(raw) });
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  // `host:6443` parses (in Addressable as in WHATWG URL) as the scheme "host" with the path "6443":
  // GitLab would have refused to store it ("Only allowed schemes are http, https"), and reading it
  // as a URL gave `host://6443`. Guessing `https://host:6443` would plan an agent on a server nobody
  // registered, so it is reported instead.
  if (scheme === undefined && /^[a-z0-9.-]+:\d+(\/.*)?$/i.test(withoutCredentials(raw)))
    return bad(
      'has no scheme: "host:port" reads as a URL of the scheme "host" (write https://host:port)',
    );
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
    return bad(`uses the scheme ${scheme}:, not http or https`);
  // The WHATWG parser would also take `https:host` and `https:\\host`; GitLab's Addressable would not
  // find a host in them. Only the plain form is accepted.
  if (!/^https?:\/\/[^/\\]/i.test(raw)) return bad('is not an http(s) URL with a host');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad('is not a valid URL');
  }
  const host = url.hostname;
  // UrlBlocker#validate_hostname: an IP address, or a name that starts with a letter or digit.
  if (host === '' || !(host.startsWith('[') || /^[\p{L}\p{N}]/u.test(host)))
    return bad('has no valid host name');
  const match = USERINFO.exec(raw);
  if (!match) return { ok: true, url: raw, hadCredentials: false };
  return { ok: true, url: `${match[1] ?? ''}${raw.slice(match[0].length)}`, hadCredentials: true };
}

/**
 * Mapping rule 1 (docs/mapping-rules.md): one physical cluster = one normalised Kubernetes API URL. WHATWG URL parsing
 * already lowercases scheme and host and drops a default port and user information; we also drop
 * trailing slashes. Something that is not an http(s) URL is only trimmed (never turned into
 * `host://6443`), so it can match nothing but itself.
 */
export function normaliseApiUrl(apiUrl: string | null): string {
  if (apiUrl == null) return '';
  const trimmed = apiUrl.trim().replace(/\/+$/, '');
  try {
    const url = new URL(apiUrl.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return trimmed;
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return trimmed;
  }
}

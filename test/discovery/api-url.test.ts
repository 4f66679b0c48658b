// The api_url check and mapping rule 1's normalisation (docs/mapping-rules.md), case by case
// (GitLab's own validator is quoted in src/discovery/api-url.ts).
import { describe, expect, it } from 'vitest';
import { checkApiUrl, credentialsIn, normaliseApiUrl } from '../../src/discovery/api-url.js';

describe('checkApiUrl', () => {
  it.each([
    ['not a url', 'is not an http(s) URL with a host'],
    ['ftp://k8s.example.test', 'uses the scheme ftp:, not http or https'],
    ['https://[::1', 'is not a valid URL'],
    ['host:6443', 'has no scheme'],
    ['10.0.0.1:6443', 'has no scheme'],
    ['https:host', 'is not an http(s) URL with a host'],
    ['https://-bad.example.test', 'has no valid host name'],
    ['https://k8s.example.test:99999', 'is not a valid URL'],
  ])('refuses %j (%s)', (url, problem) => {
    const check = checkApiUrl(url);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toContain(problem);
  });

  it.each([
    'https://k8s.example.test:6443',
    'https://K8S.example.test:6443/',
    'http://127.0.0.1:8080',
    'https://[::1]:6443',
    'https://10.0.0.1',
  ])('takes %j as registered', (url) => {
    expect(checkApiUrl(url)).toEqual({ ok: true, url, hadCredentials: false });
  });

  it('trims, and cuts user information out (the last @ of the authority ends it)', () => {
    expect(checkApiUrl('  https://k8s.example.test  ')).toMatchObject({
      url: 'https://k8s.example.test',
    });
    expect(checkApiUrl('https://admin:p@ss@k8s.example.test:6443/x')).toEqual({
      ok: true,
      url: 'https://k8s.example.test:6443/x',
      hadCredentials: true,
    });
    expect(credentialsIn('https://admin:p%40ss@k8s.example.test')).toEqual([
      'admin:p%40ss',
      'p%40ss',
      'p@ss',
    ]);
  });

  it('never shows credentials of a URL it refuses', () => {
    const check = checkApiUrl('user:secret-password@host:6443');
    expect(check).toMatchObject({ ok: false, shown: 'host:6443' });
  });
});

describe('normaliseApiUrl', () => {
  it('lowercases the host, drops a default port, trailing slashes and credentials', () => {
    expect(normaliseApiUrl('https://K8S.Example.test:6443/')).toBe('https://k8s.example.test:6443');
    expect(normaliseApiUrl('https://k8s.example.test:443/api/')).toBe(
      'https://k8s.example.test/api',
    );
    expect(normaliseApiUrl('https://u:p@k8s.example.test')).toBe('https://k8s.example.test');
  });

  it('no longer turns host:6443 into host://6443', () => {
    expect(normaliseApiUrl('host:6443')).toBe('host:6443');
    expect(normaliseApiUrl(null)).toBe('');
  });
});

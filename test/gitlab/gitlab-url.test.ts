// The --gitlab-url rule: an instance root in any of the spellings people paste, and nothing else.
import { describe, expect, it } from 'vitest';
import { resolveGitLabUrl } from '../../src/connection.js';
import { UserError } from '../../src/errors.js';

describe('resolveGitLabUrl', () => {
  it.each([
    ['https://gitlab.example.com/', 'https://gitlab.example.com'],
    ['https://gitlab.example.com/api/v4', 'https://gitlab.example.com'],
    ['gitlab.example.com', 'https://gitlab.example.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://[::1]:3000/gitlab/', 'http://[::1]:3000/gitlab'],
    ['http://gitlab_web', 'http://gitlab_web'],
  ])('%s means %s', (input, url) => {
    expect(resolveGitLabUrl(input, {})).toBe(url);
  });

  it.each(['ftp://gitlab.example.com', 'ht!tp://::', 'file:///etc/passwd', 'https://gi t lab'])(
    'refuses %s in one line that asks for http(s)',
    (input) => {
      const error = (() => {
        try {
          resolveGitLabUrl(input, {});
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toContain('must be http:// or https://');
    },
  );
});

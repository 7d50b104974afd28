import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { parseSecretKey, resolveSecretKey } from '../../src/config/secret-key.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'sb-config-'));

function writeYaml(text: string): string {
  const file = path.join(dir(), 'switchboard.yaml');
  writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ env: {}, cwd: '/srv/app' });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:3000', dataDir: '/srv/app/.switchboard', databaseUrl: undefined, redisUrl: undefined, secretKey: undefined, logLevel: 'info' });
    expect(config.bootstrap).toEqual({ organizations: [], connectors: [], policies: [], egress: { allow: [] } });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      env: { PORT: '8080', HOST: '0.0.0.0', PUBLIC_URL: 'https://sb.example.com/', SWITCHBOARD_DATA_DIR: '/var/lib/sb', DATABASE_URL: 'postgres://u:p@db/sb', REDIS_URL: 'redis://cache:6379', SWITCHBOARD_SECRET_KEY: 'k', LOG_LEVEL: 'debug' },
      cwd: '/',
    });
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', publicUrl: 'https://sb.example.com', dataDir: '/var/lib/sb', databaseUrl: 'postgres://u:p@db/sb', redisUrl: 'redis://cache:6379', secretKey: 'k', logLevel: 'debug' });
  });

  it('derives PUBLIC_URL from HOST and PORT, naming loopback for a wildcard bind', () => {
    expect(loadConfig({ env: { HOST: 'localhost', PORT: '4000' } }).publicUrl).toBe('http://localhost:4000');
    expect(loadConfig({ env: { HOST: '0.0.0.0' } }).publicUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ env: { HOST: '::1' } }).publicUrl).toBe('http://[::1]:3000');
  });

  it('names each bad variable and what it expects, all at once', () => {
    const err = configError(() => loadConfig({ env: { PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://x', LOG_LEVEL: 'loud', PUBLIC_URL: 'ftp://x' } }));
    const byField = Object.fromEntries(err.problems.map((p) => [p.field, p]));
    expect(Object.keys(byField).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'PUBLIC_URL', 'REDIS_URL']);
    expect(byField.PORT?.message).toMatch(/port number between 1 and 65535/);
    expect(byField.PORT?.message).toContain('"eighty"');
    expect(byField.DATABASE_URL?.message).toMatch(/postgres:\/\//);
    expect(byField.LOG_LEVEL?.message).toMatch(/must be one of .*"info"/);
    expect(err.problems.every((p) => p.where === 'environment')).toBe(true);
    expect(err.message).toContain('PORT');
  });

  it('rejects a port out of range', () => {
    expect(configError(() => loadConfig({ env: { PORT: '70000' } })).problems[0]?.field).toBe('PORT');
  });
});

describe('YAML file', () => {
  it('takes settings from the file, with the environment winning', () => {
    const file = writeYaml('server:\n  port: 4100\n  host: 127.0.0.2\nlog:\n  level: warn\n');
    expect(loadConfig({ env: {}, configFile: file })).toMatchObject({ port: 4100, host: '127.0.0.2', logLevel: 'warn', configFile: file });
    expect(loadConfig({ env: { PORT: '4200' }, configFile: file }).port).toBe(4200);
    expect(loadConfig({ env: { SWITCHBOARD_CONFIG: file } }).configFile).toBe(file);
  });

  it('names the file, line, column and field of a wrong value', () => {
    const file = writeYaml(['organizations:', '  - slug: acme', '    name: Acme Corp', '    plan: gold', '    members:', '      - email: not-an-email', '        role: owner', ''].join('\n'));
    const err = configError(() => loadConfig({ env: {}, configFile: file }));
    const plan = err.problems.find((p) => p.field === 'organizations[0].plan');
    expect(plan).toBeDefined();
    expect(plan?.where).toBe(`${file}:4:11`);
    expect(plan?.message).toMatch(/must be one of "free", "pro", "team", "enterprise"; got "gold"/);
    const email = err.problems.find((p) => p.field === 'organizations[0].members[0].email');
    expect(email?.where).toBe(`${file}:6:16`);
    expect(err.message).toContain(file);
    expect(err.message).toContain('organizations[0].plan');
  });

  it('points at a misspelt key', () => {
    const file = writeYaml('organizations:\n  - slug: acme\n    name: Acme\n    members:\n      - email: olivia@acme.test\n        rol: owner\n');
    const err = configError(() => loadConfig({ env: {}, configFile: file }));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ field: 'organizations[0].members[0]', where: `${file}:6:9` });
    expect(err.problems[0]?.message).toMatch(/unknown key "rol"/);
  });

  it('reports a required field that is missing', () => {
    const file = writeYaml('organizations:\n  - slug: acme\n');
    const err = configError(() => loadConfig({ env: {}, configFile: file }));
    expect(err.problems[0]).toMatchObject({ field: 'organizations[0].name' });
    expect(err.problems[0]?.message).toMatch(/is required/);
  });

  it('catches contradictions across entries', () => {
    const file = writeYaml(
      [
        'organizations:',
        '  - slug: acme',
        '    name: A',
        '    members:',
        '      - { email: a@acme.test, role: primary_owner, tokens: [sbp_test_shared_1] }',
        '      - { email: b@acme.test, role: primary_owner, tokens: [sbp_test_shared_1] }',
        '  - slug: acme',
        '    name: Again',
        '    parent: acme',
      ].join('\n'),
    );
    const fields = configError(() => loadConfig({ env: {}, configFile: file })).problems.map((p) => `${p.field}: ${p.message}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^organizations\[1\]\.slug: organization "acme" is declared twice/),
        expect.stringMatching(/^organizations\[0\]\.members\[1\]\.role: an organization has at most one primary_owner/),
        expect.stringMatching(/^organizations\[0\]\.members\[1\]\.tokens\[0\]: this token is already declared for a@acme\.test/),
      ]),
    );
    // A token value must never be echoed into an error message.
    expect(fields.join('\n')).not.toContain('sbp_test_shared_1');
  });

  it('explains YAML syntax errors with their position', () => {
    const file = writeYaml('server:\n  port: [1\n');
    const err = configError(() => loadConfig({ env: {}, configFile: file }));
    expect(err.message).toMatch(/not valid YAML/);
    expect(err.problems[0]?.where).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+$`));
  });

  it('says so when the file does not exist', () => {
    expect(configError(() => loadConfig({ env: {}, configFile: '/nonexistent/sb.yaml' })).message).toMatch(/\/nonexistent\/sb\.yaml: the file does not exist/);
  });

  it('accepts the bootstrap example from the docs', () => {
    const file = writeYaml(readFileSync(path.join(import.meta.dirname, '../../docs/examples/bootstrap.yaml'), 'utf8'));
    const config = loadConfig({ env: {}, configFile: file });
    expect(config.bootstrap.organizations[0]).toMatchObject({ slug: 'acme', plan: 'team', members: [{ email: 'olivia@acme.test', role: 'owner', tokens: ['sbp_test_olivia_1'] }] });
    expect(config.bootstrap.connectors[0]).toMatchObject({ slug: 'echo', auth: 'none', enabledFor: ['acme'] });
    expect(config.bootstrap.egress.allow).toEqual(['127.0.0.1/32']);
  });
});

describe('interactive app sandbox', () => {
  it("is on by default, on the server's port + 1 (any free port with PORT=0), and read from the environment or the file", () => {
    expect(loadConfig({ env: {} }).sandbox).toEqual({ enabled: true, port: 3001, portDefaulted: true, publicUrl: undefined });
    expect(loadConfig({ env: { PORT: '8080' } }).sandbox.port).toBe(8081);
    expect(loadConfig({ env: { PORT: '0' } }).sandbox).toMatchObject({ port: 0, portDefaulted: true });
    expect(loadConfig({ env: { SWITCHBOARD_SANDBOX_PORT: '9100', SWITCHBOARD_SANDBOX_URL: 'https://apps.example.com/' } }).sandbox).toEqual({ enabled: true, port: 9100, portDefaulted: false, publicUrl: 'https://apps.example.com' });
    expect(loadConfig({ env: { SWITCHBOARD_SANDBOX: 'off' } }).sandbox.enabled).toBe(false);
    const file = writeYaml('sandbox:\n  port: 7000\n  publicUrl: https://sandbox.example.com\n');
    expect(loadConfig({ env: {}, configFile: file }).sandbox).toEqual({ enabled: true, port: 7000, portDefaulted: false, publicUrl: 'https://sandbox.example.com' });
    expect(loadConfig({ env: { SWITCHBOARD_SANDBOX_PORT: '7001' }, configFile: file }).sandbox.port).toBe(7001);
  });

  it('names a bad value and what it expects', () => {
    const err = configError(() => loadConfig({ env: { SWITCHBOARD_SANDBOX_PORT: 'high', SWITCHBOARD_SANDBOX_URL: 'ftp://x', SWITCHBOARD_SANDBOX: 'maybe' } }));
    expect(err.problems.map((p) => p.field).sort()).toEqual(['SWITCHBOARD_SANDBOX', 'SWITCHBOARD_SANDBOX_PORT', 'SWITCHBOARD_SANDBOX_URL']);
  });
});

describe('tool search embedding model', () => {
  it('is off by default, and read from the environment or the file', () => {
    expect(loadConfig({ env: {} }).toolSearch).toEqual({});
    const fromEnv = loadConfig({
      env: { SWITCHBOARD_EMBEDDING_PROVIDER: 'openai-compatible', SWITCHBOARD_EMBEDDING_MODEL: 'nomic-embed-text', SWITCHBOARD_EMBEDDING_BASE_URL: 'http://127.0.0.1:11434/v1/', SWITCHBOARD_EMBEDDING_DIMENSIONS: '512' },
    });
    expect(fromEnv.toolSearch.embedding).toEqual({ provider: 'openai-compatible', model: 'nomic-embed-text', baseUrl: 'http://127.0.0.1:11434/v1', dimensions: 512 });
    const file = writeYaml('toolSearch:\n  embedding:\n    provider: openai\n    model: text-embedding-3-small\n    apiKey: sk-from-file-123\n');
    expect(loadConfig({ env: {}, configFile: file }).toolSearch.embedding).toEqual({ provider: 'openai', model: 'text-embedding-3-small', apiKey: 'sk-from-file-123' });
    // The environment wins, key included.
    expect(loadConfig({ env: { SWITCHBOARD_EMBEDDING_API_KEY: 'sk-from-env-456', SWITCHBOARD_EMBEDDING_MODEL: 'text-embedding-3-large' }, configFile: file }).toolSearch.embedding).toMatchObject({ model: 'text-embedding-3-large', apiKey: 'sk-from-env-456' });
  });

  it('says what is missing or wrong, and what to set, never echoing the key', () => {
    const missing = configError(() => loadConfig({ env: { SWITCHBOARD_EMBEDDING_API_KEY: 'sk-lonely-key-789' } }));
    const byField = Object.fromEntries(missing.problems.map((p) => [p.field, p.message]));
    expect(byField['toolSearch.embedding.provider']).toMatch(/is required to use an embedding model: "openai" or "openai-compatible" \(SWITCHBOARD_EMBEDDING_PROVIDER\)\. For lexical search only, leave/);
    expect(byField['toolSearch.embedding.model']).toMatch(/is required: the embedding model's name at the provider, e\.g\. text-embedding-3-small .*\(SWITCHBOARD_EMBEDDING_MODEL\)/);
    expect(missing.message).not.toContain('sk-lonely-key-789');

    const compatible = configError(() => loadConfig({ env: { SWITCHBOARD_EMBEDDING_PROVIDER: 'openai-compatible', SWITCHBOARD_EMBEDDING_MODEL: 'nomic-embed-text' } }));
    expect(compatible.problems).toEqual([
      { field: 'toolSearch.embedding.baseUrl', where: 'environment', message: expect.stringMatching(/is required for the "openai-compatible" provider: the API's base URL, e\.g\. http:\/\/127\.0\.0\.1:11434\/v1 for Ollama \(SWITCHBOARD_EMBEDDING_BASE_URL\)/) },
    ]);
    const openai = configError(() => loadConfig({ env: { SWITCHBOARD_EMBEDDING_PROVIDER: 'openai', SWITCHBOARD_EMBEDDING_MODEL: 'text-embedding-3-small' } }));
    expect(openai.problems.map((p) => `${p.field}: ${p.message}`)).toEqual(['toolSearch.embedding.apiKey: is required for the "openai" provider: set SWITCHBOARD_EMBEDDING_API_KEY (or toolSearch.embedding.apiKey in the file)']);

    const bad = configError(() => loadConfig({ env: { SWITCHBOARD_EMBEDDING_PROVIDER: 'ollama', SWITCHBOARD_EMBEDDING_BASE_URL: 'localhost:11434', SWITCHBOARD_EMBEDDING_DIMENSIONS: 'many' } }));
    const badFields = Object.fromEntries(bad.problems.map((p) => [p.field, p.message]));
    expect(badFields.SWITCHBOARD_EMBEDDING_PROVIDER).toBe('must be one of "openai", "openai-compatible"; got "ollama"');
    expect(badFields.SWITCHBOARD_EMBEDDING_BASE_URL).toMatch(/must be an http:\/\/ or https:\/\/ URL, e\.g\. http:\/\/127\.0\.0\.1:11434\/v1/);
    expect(badFields.SWITCHBOARD_EMBEDDING_DIMENSIONS).toMatch(/must be a whole number of dimensions/);

    const file = writeYaml('toolSearch:\n  embedding:\n    provider: openai\n    model: text-embedding-3-small\n    apiKey: ""\n    dimensions: 0\n    temperature: 1\n');
    const fromFile = configError(() => loadConfig({ env: {}, configFile: file }));
    const fileFields = Object.fromEntries(fromFile.problems.map((p) => [p.field, p]));
    expect(fileFields['toolSearch.embedding']?.message).toMatch(/unknown key "temperature"/);
    expect(fileFields['toolSearch.embedding.dimensions']).toMatchObject({ where: `${file}:6:17`, message: 'must be a whole number of dimensions from 1 to 16384; got 0' });
    // An empty key is refused without repeating what was given.
    expect(fileFields['toolSearch.embedding.apiKey']?.message).toBe("must not be empty: give the embedding service's API key, or leave the key out for a service that needs none; got a value not shown here");
  });
});

describe('secret key', () => {
  it('accepts 32 bytes as hex or base64, nothing else', () => {
    expect(parseSecretKey('ab'.repeat(32))?.length).toBe(32);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString('base64'))?.length).toBe(32);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString('base64url'))?.length).toBe(32);
    expect(parseSecretKey('short')).toBeUndefined();
    expect(parseSecretKey(Buffer.alloc(16).toString('base64'))).toBeUndefined();
  });

  it('generates a key once into the data folder, private to its owner, and reuses it', () => {
    const dataDir = path.join(dir(), 'data');
    const first = resolveSecretKey(undefined, dataDir);
    expect(first).toMatchObject({ source: 'file', generated: true });
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    const second = resolveSecretKey(undefined, dataDir);
    expect(second.generated).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('prefers SWITCHBOARD_SECRET_KEY and explains a bad one', () => {
    const key = Buffer.alloc(32, 1);
    expect(resolveSecretKey(key.toString('base64'), dir())).toMatchObject({ source: 'env', generated: false });
    const err = configError(() => resolveSecretKey('not-a-key', dir()));
    expect(err.problems[0]?.field).toBe('SWITCHBOARD_SECRET_KEY');
    expect(err.problems[0]?.message).toMatch(/openssl rand -base64 32/);
  });
});

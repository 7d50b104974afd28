import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { callTool, connectAs, type DemoConnection } from '../helpers/demo-oauth.ts';

let drive: DemoServiceHandle;
let alice: DemoConnection;
let carol: DemoConnection;

beforeAll(async () => {
  drive = await startDemoService('drive', { port: 0 });
  alice = await connectAs(drive.url, { email: 'alice@demo.test', password: 'alice-demo-password' }, { era: 'modern' });
  carol = await connectAs(drive.url, { email: 'carol@demo.test', password: 'carol-demo-password' }, { era: 'legacy' });
});

afterAll(async () => {
  await alice?.client.close();
  await carol?.client.close();
  await drive?.close();
});

const idsOf = (files: unknown) => (files as Array<{ id: string }>).map((f) => f.id);

describe('demo drive', () => {
  it('has honest annotations, delete_file being destructive', async () => {
    const { tools } = await carol.client.listTools();
    const annotations = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    for (const name of ['list_folders', 'search_files', 'read_file']) expect(annotations[name]).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    expect(annotations.create_file).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(annotations.delete_file).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
  });

  it('keeps a folder that is not shared with a person invisible to them', async () => {
    const folders = async (c: DemoConnection) => ((await callTool(c.client, 'list_folders')).data.folders as Array<{ id: string }>).map((f) => f.id);
    expect(await folders(alice)).toEqual(['company', 'finance']);
    expect(await folders(carol)).toEqual(['company', 'design']);

    expect(idsOf((await callTool(alice.client, 'search_files', { query: 'salary' })).data.files)).toEqual(['f-104']);
    expect((await callTool(carol.client, 'search_files', { query: 'salary' })).data.files).toEqual([]);
    expect((await callTool(alice.client, 'read_file', { fileId: 'f-104' })).text).toContain('Salary bands');
    const refused = await callTool(carol.client, 'read_file', { fileId: 'f-104' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toBe('No file "f-104" that you can see. Call search_files to find file ids.');
    expect((await callTool(carol.client, 'search_files', { folder: 'finance' })).text).toContain('No folder "finance" that you can see');
  });

  it('creates a file in a shared folder and deletes it', async () => {
    const created = await callTool(carol.client, 'create_file', { folder: 'Company', name: 'offsite-agenda.md', content: '# Offsite\n\nDay one: planning.' });
    const id = (created.data.file as { id: string }).id;
    expect(created.data.file).toMatchObject({ folder: 'company', name: 'offsite-agenda.md', owner: 'carol@demo.test' });
    expect((await callTool(alice.client, 'read_file', { fileId: id })).text).toContain('Day one: planning.');

    const duplicate = await callTool(carol.client, 'create_file', { folder: 'company', name: 'offsite-agenda.md', content: 'again' });
    expect(duplicate.text).toContain('already has a file named "offsite-agenda.md"');

    expect((await callTool(alice.client, 'delete_file', { fileId: id })).data).toEqual({ deleted: id });
    expect((await callTool(carol.client, 'read_file', { fileId: id })).isError).toBe(true);
  });
});

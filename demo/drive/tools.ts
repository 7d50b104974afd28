import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { addTool, fail, ok } from '../shared/mcp/tools.ts';
import { personById } from '../shared/people.ts';
import type { ServiceState } from '../shared/state.ts';
import type { ToolCaller } from '../shared/types.ts';
import { canSee, type DriveData, type DriveFile, type Folder } from './data.ts';

const summary = (f: DriveFile) => ({ id: f.id, folder: f.folder, name: f.name, mimeType: f.mimeType, size: f.content.length, owner: personById(f.owner)?.email ?? f.owner, modifiedAt: f.modifiedAt });
const folderRef = z.string().min(1).describe('The folder id or name, such as company (see list_folders).');
const fileId = z.string().min(1).describe('The file id, such as f-101 (see search_files).');

export function registerDriveTools(server: McpServer, caller: ToolCaller, state: ServiceState<DriveData>): void {
  const { person } = caller;
  const visibleFolders = () => state.data.folders.filter((f) => canSee(person, f));
  const folder = (ref: string): Folder | undefined => {
    const wanted = ref.trim().toLowerCase();
    return visibleFolders().find((f) => f.id === wanted || f.name.toLowerCase() === wanted);
  };
  const visibleFiles = () => {
    const ids = new Set(visibleFolders().map((f) => f.id));
    return state.data.files.filter((f) => ids.has(f.folder));
  };
  const file = (id: string): DriveFile | undefined => visibleFiles().find((f) => f.id === id.trim().toLowerCase());
  const noFolder = (ref: string) => fail(`No folder "${ref}" that you can see. Call list_folders for the folders you can use.`);
  const noFile = (id: string) => fail(`No file "${id}" that you can see. Call search_files to find file ids.`);

  addTool(server, caller, 'list_folders', {
    title: 'List folders',
    description: 'List the folders you can see. Folders that are not shared with everyone appear only to the people they are shared with.',
    kind: 'read',
    input: z.object({}),
  }, () => {
    const folders = visibleFolders().map((f) => ({ id: f.id, name: f.name, shared: f.shared, files: state.data.files.filter((x) => x.folder === f.id).length }));
    return ok(`${folders.length} folders.`, { folders });
  });

  addTool(server, caller, 'search_files', {
    title: 'Search files',
    description: 'Find files you can see whose name or content contains the query (case-insensitive); without a query, list them. Returns ids for read_file.',
    kind: 'read',
    input: z.object({ query: z.string().optional().describe('Words to look for; leave out to list every file.'), folder: folderRef.optional() }),
  }, ({ query, folder: ref }) => {
    const inFolder = ref === undefined ? undefined : folder(ref);
    if (ref !== undefined && !inFolder) return noFolder(ref);
    const needle = query?.toLowerCase() ?? '';
    const files = visibleFiles().filter((f) => (!inFolder || f.folder === inFolder.id) && `${f.name}\n${f.content}`.toLowerCase().includes(needle));
    return ok(files.length ? `${files.length} files:\n${files.map((f) => `${f.id} ${f.folder}/${f.name}`).join('\n')}` : 'No file you can see matches.', { files: files.map(summary) });
  });

  addTool(server, caller, 'read_file', {
    title: 'Read a file',
    description: 'Read the content of a file by id.',
    kind: 'read',
    input: z.object({ fileId }),
  }, ({ fileId: id }) => {
    const found = file(id);
    return found ? ok(`${found.folder}/${found.name}:\n\n${found.content}`, { file: { ...summary(found), content: found.content } }) : noFile(id);
  });

  addTool(server, caller, 'create_file', {
    title: 'Create a file',
    description: 'Create a text file in a folder you can see. You become its owner.',
    kind: 'create',
    input: z.object({
      folder: folderRef,
      name: z.string().min(1).max(120).regex(/^[^/\\]+$/, 'a file name without slashes'),
      content: z.string().max(100_000),
      mimeType: z.string().default('text/markdown'),
    }),
  }, ({ folder: ref, name, content, mimeType }) => {
    const target = folder(ref);
    if (!target) return noFolder(ref);
    if (state.data.files.some((f) => f.folder === target.id && f.name === name)) return fail(`${target.name} already has a file named "${name}": pick another name, or delete that file first.`);
    const created = state.update((data) => {
      const newFile: DriveFile = { id: `f-${data.nextId++}`, folder: target.id, name, mimeType, content, owner: person.id, modifiedAt: new Date().toISOString() };
      data.files.push(newFile);
      return newFile;
    });
    return ok(`Created ${created.id} ${target.id}/${name}.`, { file: summary(created) });
  });

  addTool(server, caller, 'delete_file', {
    title: 'Delete a file',
    description: 'Delete a file for good.',
    kind: 'delete',
    input: z.object({ fileId }),
  }, ({ fileId: id }) => {
    const found = file(id);
    if (!found) return noFile(id);
    state.update((data) => {
      data.files = data.files.filter((f) => f !== found);
    });
    return ok(`Deleted ${found.id} ${found.folder}/${found.name}.`, { deleted: found.id });
  });
}

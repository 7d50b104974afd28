import { ServiceState } from '../shared/state.ts';
import type { DemoServiceDefinition } from '../shared/types.ts';
import { seedDrive } from './data.ts';
import { registerDriveTools } from './tools.ts';

export const drive: DemoServiceDefinition = {
  name: 'drive',
  defaultPort: 7403,
  listing: {
    slug: 'demo-drive',
    name: 'Demo Drive',
    tagline: 'A small file drive with folders shared with some people.',
    description:
      'A bundled demo file drive. The Company folder is shared with everyone, Finance only with Alice and Design with Bob and Carol, so each person finds and reads only the files shared with them.',
    useCases: ['Find a document', 'Read a file', 'Save notes to a folder', 'Clean up old files'],
    category: 'files',
  },
  instructions:
    'A file drive. Call list_folders for the folders you can see, search_files to find files by name or content (or list a folder), read_file to read one by id, create_file to save a text file and delete_file to remove one. Folders not shared with the signed-in person are invisible.',
  scopeDescriptions: {
    read: 'See the folders shared with you and read their files.',
    write: 'Create and delete files.',
  },
  open(dataFile) {
    const state = new ServiceState(seedDrive, dataFile);
    return { register: (server, caller) => registerDriveTools(server, caller, state) };
  },
};

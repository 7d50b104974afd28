import type { DemoPerson } from '../shared/people.ts';

export interface Folder {
  id: string;
  name: string;
  /** Shared folders are visible to everyone; the others only to the people listed. */
  shared: boolean;
  /** Person ids. */
  people: string[];
}

export interface DriveFile {
  id: string;
  folder: string;
  name: string;
  mimeType: string;
  content: string;
  /** Person id. */
  owner: string;
  modifiedAt: string;
}

export interface DriveData {
  folders: Folder[];
  files: DriveFile[];
  nextId: number;
}

export function canSee(person: DemoPerson, folder: Folder): boolean {
  return folder.shared || folder.people.includes(person.id);
}

export function seedDrive(): DriveData {
  const files: Array<[string, string, string, string, string]> = [
    ['company', 'employee-handbook.md', 'alice', 'text/markdown', '# Employee handbook\n\nWorking hours are flexible between 8:00 and 18:00. Holidays are requested in the HR tool two weeks ahead.'],
    ['company', 'holidays-2027.md', 'carol', 'text/markdown', '# Public holidays 2027\n\n1 January, Easter Monday, 1 May, 25 and 26 December.'],
    ['finance', 'budget-2027.csv', 'alice', 'text/csv', 'department,budget\nengineering,1200000\nsales,800000\nsupport,400000'],
    ['finance', 'salary-bands.md', 'alice', 'text/markdown', '# Salary bands (confidential)\n\nBand 1: 45-55k. Band 2: 55-70k. Band 3: 70-90k.'],
    ['design', 'brand-guidelines.md', 'carol', 'text/markdown', '# Brand guidelines\n\nPrimary colour #1d4ed8. Logo clear space equals the height of the letter S.'],
    ['design', 'app-icon-brief.md', 'bob', 'text/markdown', '# App icon brief\n\nA rounded switch in the primary colour; must read well at 29 px.'],
    ['design', 'banana-bread-recipe.md', 'carol', 'text/markdown', '# Banana bread\n\nThree ripe bananas, 250 g flour, 100 g sugar, 75 g butter, one egg, one teaspoon baking soda. 60 minutes at 175 °C.'],
  ];
  return {
    folders: [
      { id: 'company', name: 'Company', shared: true, people: [] },
      { id: 'finance', name: 'Finance', shared: false, people: ['alice'] },
      { id: 'design', name: 'Design', shared: false, people: ['bob', 'carol'] },
    ],
    files: files.map(([folder, name, owner, mimeType, content], i) => ({ id: `f-${101 + i}`, folder, name, mimeType, content, owner, modifiedAt: `2026-11-${String(10 + i).padStart(2, '0')}T12:00:00.000Z` })),
    nextId: 101 + files.length,
  };
}

/**
 * A small map of the words people and tool descriptions use for the same thing in the domains
 * connectors cover (files and documents, mail and chat, calendars, code, money, travel, media, the
 * web…). General word relations come from WordNet (thesaurus.ts); these are the ones it lacks or ranks
 * too low: software vocabulary ("repo" is a repository, ".md" is Markdown) and the verbs tools are
 * named with against the verbs requests use ("save" → write, "show" → get/list).
 *
 * Each group is a set of interchangeable words; a query word in a group brings in the others at a
 * fraction of a typed word's weight.
 */
const GROUPS: string[] = [
  // actions: how requests say it vs how tools are named
  'save write store persist export',
  'show display view get list read fetch retrieve',
  'find search lookup look query discover locate',
  'create make new add generate build compose draft',
  'delete remove erase trash discard',
  'update edit modify change set rename',
  'send post deliver share publish',
  'download fetch get retrieve save',
  'upload attach put import',
  'open read view load',
  'summarize summary summarise overview digest brief tldr',
  'analyze analyse analysis inspect examine evaluate',
  'translate translation translator language',
  'convert conversion transform export',
  'schedule book booking reserve reservation appointment',
  'remind reminder alert notify notification',
  'compare comparison versus',
  'recommend recommendation suggest suggestion advice',
  'run execute launch start command process terminal shell',
  'screenshot capture snapshot',
  'browse browser navigate visit webpage website page',
  // documents and files
  'file files document documents doc folder directory path',
  'md markdown',
  'docx doc word document',
  'pptx ppt powerpoint presentation slides slide deck',
  'xlsx xls excel spreadsheet sheet workbook',
  'csv spreadsheet table tabular',
  'pdf document report',
  'html webpage web page',
  'txt text plain',
  'json data structured',
  'py python script code',
  'js javascript node npm',
  'png jpg jpeg gif svg image picture photo',
  'mp3 wav audio music sound song',
  'mp4 mov video clip movie',
  'image picture photo photograph pic illustration',
  'chart graph plot visualization visualize diagram',
  'mindmap mind map',
  'note notes memo notebook',
  'report document summary',
  'note remember memory memorize',
  'table row column database sql query',
  // communication and work
  'email mail inbox message gmail outlook',
  'chat message messaging slack channel conversation',
  'calendar event meeting schedule appointment agenda',
  'task todo issue ticket tracker backlog bug',
  'contact person people address phonebook',
  'meeting call conference zoom',
  'team member colleague coworker',
  // code and the web
  'repo repository git github gitlab code project',
  'bug issue error defect',
  'pull merge pr review',
  'package library dependency module npm pypi maven',
  'api endpoint request http',
  'url link website site address',
  'web internet online',
  'search engine google bing duckduckgo',
  'wiki wikipedia encyclopedia article',
  'paper papers research academic scholar arxiv journal publication study',
  'database sql postgres mysql query',
  // money and business
  'stock stocks share shares ticker equity market',
  'price prices cost costs pricing quote fee cheap expensive',
  'crypto cryptocurrency bitcoin ethereum coin token blockchain',
  'finance financial money invest investment investing portfolio',
  'pay payment invoice billing charge',
  'buy purchase shop shopping order product store amazon',
  'sale sell seller marketplace',
  'company business corporation firm organization',
  'job jobs career hiring employment resume recruiting',
  'tax taxes irs',
  'bank banking account transaction',
  'exchange currency forex rate',
  // daily life
  'weather forecast temperature rain snow wind windy sunny climate humidity',
  'air quality pollution aqi',
  'news headlines headline article articles breaking journalism press',
  'trend trends trending popular hot viral ranking rank top',
  'map maps location place places address directions route navigation geocode',
  'nearby near around local',
  'restaurant restaurants food eat dining meal dinner lunch cuisine hungry',
  'recipe recipes cook cooking dish meal ingredient',
  'travel trip vacation holiday tour journey itinerary',
  'flight flights airline plane airport fly',
  'hotel hotels lodging accommodation stay room homestay airbnb',
  'house home apartment rent rental housing property real estate flat',
  'car vehicle auto automobile drive',
  'ev charging charger electric',
  'parking park garage',
  'health medical medicine doctor clinical patient disease',
  'drug drugs medication pharmaceutical',
  'trial trials clinical study',
  'fitness workout exercise gym training',
  'diet nutrition calorie calories food',
  'sport sports game match score league team',
  'game games gaming play player',
  'music song songs playlist album artist track spotify',
  'podcast podcasts episode audio show',
  'movie movies film films cinema tv show series watch',
  'book books novel reading read author library',
  'video videos youtube clip channel transcript',
  'photo photos image images picture gallery',
  'art artwork painting museum gallery artist',
  'learn learning course courses education lesson study tutorial teach',
  'school schools university college student',
  'time date clock timezone today now current',
  'calculate calculator math compute arithmetic',
  'word words dictionary definition meaning synonym',
  'joke jokes funny humor',
  'gift gifts present',
  'law legal lawyer attorney regulation',
  'social twitter tweet facebook instagram reddit post',
  'seo keyword keywords ranking',
  'ad ads advertising marketing campaign',
  'space nasa astronomy planet mars',
  'earthquake earthquakes seismic',
  'event events concert ticket tickets',
];

/** Word → the other words of its groups. */
export function buildSynonymMap(groups: string[] = GROUPS): Map<string, string[]> {
  const map = new Map<string, Set<string>>();
  for (const group of groups) {
    const words = group.split(/\s+/).filter(Boolean);
    for (const w of words) {
      let set = map.get(w);
      if (!set) map.set(w, (set = new Set()));
      for (const other of words) if (other !== w) set.add(other);
    }
  }
  return new Map([...map].map(([w, set]) => [w, [...set]]));
}

export const DOMAIN_SYNONYMS = buildSynonymMap();

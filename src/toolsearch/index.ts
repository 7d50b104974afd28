export type { SearchableServer, SearchableTool, ToolHit, ServerHit, SearchOptions } from './types.ts';
export { ToolIndex } from './tool-index.ts';
export { suggestConnectors, type SuggestCandidate, type Suggestion, type SuggestResult } from './suggest.ts';
export { toolDefinitionTokens, toolDefinitionsTokens, type ToolDefinitionLike } from './token-count.ts';
